import { Box, SingleSelect, SingleSelectOption } from '@strapi/design-system';
import { useT } from '../utils/translate';

export interface SelectOption {
  value: string;
  label: string;
}

interface Props {
  /** Its accessible name (and, when it can be cleared, its placeholder). */
  label: string;
  value: string;
  onChange: (value: string) => void;
  options: SelectOption[];
  /** Clearing sets '' (no filter); a choice that always has a value cannot be cleared. */
  clearable?: boolean;
  minWidth?: number;
}

/** A select without a field around it: a list's filter, or a choice of what the page shows. */
export const FilterSelect = ({ label, value, onChange, options, clearable = true, minWidth }: Props) => {
  const t = useT();
  const select = (
    <SingleSelect
      aria-label={label}
      placeholder={clearable ? label : undefined}
      value={value}
      onChange={(v) => onChange(String(v))}
      {...(clearable ? { onClear: () => onChange(''), clearLabel: t('action.clear') } : {})}
    >
      {options.map((option) => (
        <SingleSelectOption key={option.value} value={option.value}>
          {option.label}
        </SingleSelectOption>
      ))}
    </SingleSelect>
  );
  return minWidth ? <Box style={{ minWidth }}>{select}</Box> : select;
};
