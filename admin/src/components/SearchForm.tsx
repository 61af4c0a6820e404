import * as React from 'react';
import { Box, Searchbar } from '@strapi/design-system';
import { useT } from '../utils/translate';

/** A search box that applies on Enter (one query per search, not per keystroke). */
export const SearchForm = ({ label, onSearch }: { label: string; onSearch: (value: string) => void }) => {
  const t = useT();
  const [input, setInput] = React.useState('');
  return (
    <Box style={{ minWidth: 260 }}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          onSearch(input.trim());
        }}
      >
        <Searchbar
          name="search"
          value={input}
          onChange={(e) => setInput(e.target.value)}
          onClear={() => {
            setInput('');
            onSearch('');
          }}
          clearLabel={t('action.clear')}
          placeholder={label}
        >
          {label}
        </Searchbar>
      </form>
    </Box>
  );
};
