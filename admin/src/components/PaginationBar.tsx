import { Button, Flex, Typography } from '@strapi/design-system';
import { ChevronLeft, ChevronRight } from '@strapi/icons';
import type { Pagination } from '../api/contract';
import { useT } from '../utils/translate';

/** Server-side pagination: previous / next and where we are. */
export const PaginationBar = ({ pagination, onPage }: { pagination: Pagination; onPage: (page: number) => void }) => {
  const t = useT();
  const { page, pageCount, total } = pagination;
  return (
    <Flex justifyContent="space-between" paddingTop={4}>
      <Typography variant="pi" textColor="neutral600">
        {t('pagination.summary', { page, pageCount: Math.max(pageCount, 1), total })}
      </Typography>
      <Flex gap={2}>
        <Button
          variant="tertiary"
          size="S"
          startIcon={<ChevronLeft />}
          disabled={page <= 1}
          onClick={() => onPage(page - 1)}
        >
          {t('pagination.previous')}
        </Button>
        <Button
          variant="tertiary"
          size="S"
          endIcon={<ChevronRight />}
          disabled={page >= pageCount}
          onClick={() => onPage(page + 1)}
        >
          {t('pagination.next')}
        </Button>
      </Flex>
    </Flex>
  );
};
