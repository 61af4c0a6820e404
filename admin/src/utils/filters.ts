import * as React from 'react';

/**
 * A paginated list's filters and the page it shows: a filter that changes goes back to the
 * first page (in the same render, so no page of the old filter is asked for the new one).
 */
export const usePagedFilters = <F extends Record<string, string>>(initial: F) => {
  const [filters, setFilters] = React.useState(initial);
  const [page, setPage] = React.useState(1);
  const setFilter = (patch: Partial<F>) => {
    if (!Object.entries(patch).some(([key, value]) => filters[key] !== value)) return;
    setFilters({ ...filters, ...patch });
    setPage(1);
  };
  return { filters, setFilter, page, setPage };
};
