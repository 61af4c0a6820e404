import * as React from 'react';
import { Box, Table, Tbody, Td, Th, Thead, Tr, Typography } from '@strapi/design-system';
import type { Pagination } from '../api/contract';
import { PaginationBar } from './PaginationBar';

export interface Column<T> {
  /** The header, translated. */
  label: string;
  cell: (row: T) => React.ReactNode;
}

interface Props<T> {
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string | number;
  /** Each row's data-testid (what the browser tests look for). */
  rowTestId?: string;
  /** What to say when there is no row… */
  empty?: string;
  /** …once the rows are known (not while the first page loads). */
  ready?: boolean;
  /** Server-side pagination, below the table. */
  pagination?: Pagination;
  onPage?: (page: number) => void;
}

/** A table with a cell per column for each row, what to say when it is empty, and its pages. */
export const PagedTable = <T,>({ columns, rows, rowKey, rowTestId, empty, ready = true, pagination, onPage }: Props<T>) => (
  <>
    <Table colCount={columns.length} rowCount={rows.length + 1}>
      <Thead>
        <Tr>
          {columns.map((column, i) => (
            <Th key={i}>
              <Typography variant="sigma">{column.label}</Typography>
            </Th>
          ))}
        </Tr>
      </Thead>
      <Tbody>
        {rows.map((row) => (
          <Tr key={rowKey(row)} data-testid={rowTestId}>
            {columns.map((column, i) => (
              <Td key={i}>{column.cell(row)}</Td>
            ))}
          </Tr>
        ))}
      </Tbody>
    </Table>
    {empty && ready && rows.length === 0 && (
      <Box padding={6}>
        <Typography textColor="neutral600">{empty}</Typography>
      </Box>
    )}
    {pagination && onPage && <PaginationBar pagination={pagination} onPage={onPage} />}
  </>
);
