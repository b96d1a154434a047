import { memo, type Key, type ReactElement, type ReactNode } from 'react';
import { ErrorState } from '../pages/StatusPages';
import { LoadMoreButton, type Pages } from './Paging';

/** One column: its header, its cells' class and what a row shows in it. */
export interface Column<Row> {
  key: string;
  header: ReactNode;
  headerClassName?: string;
  // The cells' class, the same for every row or chosen by the row.
  className?: string | ((row: Row) => string | undefined);
  // The cell's tooltip, when it has one.
  title?: (row: Row) => string | undefined;
  cell: (row: Row) => ReactNode;
}

/** What a row carries besides its cells: test ids, data attributes, the selected class. */
export type RowAttributes = { className?: string } & { [data: `data-${string}`]: string | number | undefined };

/** The part of a TanStack query the table reads. */
export interface TableQuery {
  isLoading: boolean;
  isError: boolean;
  error: unknown;
  refetch: () => unknown;
}

export interface DataTableProps<Row> {
  columns: readonly Column<Row>[];
  rows: readonly Row[];
  rowKey: (row: Row) => Key;
  rowProps?: (row: Row) => RowAttributes;
  /** The table's accessible name: a label, or the id of the heading that names it. */
  label?: string;
  labelledBy?: string;
  testId?: string;
  /** aria-busy on the table, for a table that says when it is loading. */
  busy?: boolean;
  /** A compact table that scrolls sideways inside a card, instead of a table card of its own. */
  compact?: boolean;
  /** Loading and failure: while it loads a row says loadingText; when it fails the error state (with "Try again") stands in for the table. */
  query: TableQuery;
  loadingText: string;
  /** What the one row of an empty table says. */
  empty: ReactNode;
  emptyTestId?: string;
  /** A keyset-paged list: the footer with its summary ("Showing 50 groups"), any controls and "Load more". */
  paging?: { pages: Pages; summary?: ReactNode; summaryTestId?: string; controls?: ReactNode };
}

// DataTable: the one table of rows the SPA shows — header, a loading row, an empty row, the rows,
// and for a paged list the footer with "Load more".
export function DataTable<Row>({
  columns,
  rows,
  rowKey,
  rowProps,
  label,
  labelledBy,
  testId,
  busy,
  compact,
  query,
  loadingText,
  empty,
  emptyTestId,
  paging,
}: DataTableProps<Row>) {
  const loading = query.isLoading;
  return (
    <>
      {query.isError ? (
        <ErrorState error={query.error} onRetry={() => query.refetch()} />
      ) : (
        <div className={compact ? 'table-scroll' : 'table-wrap'}>
          <table
            className={compact ? 'table compact' : 'table'}
            aria-label={label}
            aria-labelledby={labelledBy}
            aria-busy={busy}
            data-testid={testId}
          >
            <thead>
              <tr>
                {columns.map((c) => (
                  <th key={c.key} scope="col" className={c.headerClassName}>
                    {c.header}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {loading && (
                <tr>
                  <td colSpan={columns.length} className="table-empty">
                    {loadingText}
                  </td>
                </tr>
              )}
              {!loading && rows.length === 0 && (
                <tr>
                  <td colSpan={columns.length} className="table-empty" data-testid={emptyTestId}>
                    {empty}
                  </td>
                </tr>
              )}
              {rows.map((row) => (
                <DataRow key={rowKey(row)} row={row} columns={columns} rowProps={rowProps} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {paging && (
        <div className="list-footer">
          <span className="muted" data-testid={paging.summaryTestId}>
            {paging.summary}
          </span>
          {paging.controls ? (
            <div className="list-footer-end">
              {paging.controls}
              <LoadMoreButton pages={paging.pages} />
            </div>
          ) : (
            <LoadMoreButton pages={paging.pages} />
          )}
        </div>
      )}
    </>
  );
}

interface DataRowProps<Row> {
  row: Row;
  columns: readonly Column<Row>[];
  rowProps?: (row: Row) => RowAttributes;
}

// A row renders again only when its data, the columns or rowProps change: with stable columns
// (module constants or memoised), a refetch that keeps a row's data keeps its row.
const DataRow = memo(function DataRow<Row>({ row, columns, rowProps }: DataRowProps<Row>) {
  return (
    <tr {...rowProps?.(row)}>
      {columns.map((c) => (
        <td key={c.key} className={typeof c.className === 'function' ? c.className(row) : c.className} title={c.title?.(row)}>
          {c.cell(row)}
        </td>
      ))}
    </tr>
  );
}) as <Row>(props: DataRowProps<Row>) => ReactElement;
