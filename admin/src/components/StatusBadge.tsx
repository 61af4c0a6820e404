import { Status, Typography } from '@strapi/design-system';
import { STATUS_LABELS, useT } from '../utils/translate';

const VARIANT: Record<string, 'success' | 'secondary' | 'warning' | 'danger' | 'neutral'> = {
  active: 'success',
  pending: 'secondary',
  expired: 'neutral',
  cancelled: 'warning',
  refunded: 'danger',
};

export const StatusBadge = ({ status }: { status: string }) => {
  const t = useT();
  return (
    <Status variant={VARIANT[status] ?? 'neutral'} size="S">
      <Typography tag="span" variant="omega" fontWeight="bold">
        {t(STATUS_LABELS[status] ?? 'status.expired')}
      </Typography>
    </Status>
  );
};
