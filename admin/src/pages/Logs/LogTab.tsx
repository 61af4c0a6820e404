import { Box, Flex } from '@strapi/design-system';
import type { PagedResponse } from '../../api/contract';
import { usePagedFilters } from '../../utils/filters';
import { optionsOf, useT } from '../../utils/translate';
import { PagedTable, type Column } from '../../components/PagedTable';
import { FilterSelect } from '../../components/FilterSelect';
import { SearchForm } from '../../components/SearchForm';

export const LOG_PAGE_SIZE = 20;

/** The query of a log's page: its search, its one filter, and the page. */
export interface LogQuery {
  search: string;
  filter: string;
  page: number;
  pageSize: number;
}

interface Props<T> {
  /** One page of the log, for a query. */
  usePage: (query: LogQuery) => { data: PagedResponse<T> | null };
  /** The one filter besides the search: its label and its values' labels (value → key). */
  filterLabel: string;
  filterLabels: Record<string, string>;
  columns: Column<T>[];
  rowTestId: string;
}

/** A log: search, one filter, and the newest entries first, a page at a time. */
export const LogTab = <T extends { id: number }>({ usePage, filterLabel, filterLabels, columns, rowTestId }: Props<T>) => {
  const t = useT();
  const { filters, setFilter, page, setPage } = usePagedFilters({ search: '', filter: '' });
  const { data } = usePage({ ...filters, page, pageSize: LOG_PAGE_SIZE });
  return (
    <Box background="neutral0" hasRadius shadow="filterShadow" padding={6} marginTop={4}>
      <Flex gap={3} paddingBottom={4} wrap="wrap">
        <SearchForm label={t('logs.search')} onSearch={(search) => setFilter({ search })} />
        <FilterSelect
          label={filterLabel}
          value={filters.filter}
          onChange={(filter) => setFilter({ filter })}
          options={optionsOf(t, filterLabels)}
          minWidth={200}
        />
      </Flex>
      <PagedTable
        columns={columns}
        rows={data?.data ?? []}
        rowKey={(row) => row.id}
        rowTestId={rowTestId}
        empty={t('logs.empty')}
        ready={data !== null}
        pagination={data?.meta.pagination}
        onPage={setPage}
      />
    </Box>
  );
};
