import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/errors';
import { DataTable, type Column, type TableQuery } from './DataTable';

interface Fruit {
  id: number;
  name: string;
  count: number;
}

const COLUMNS: Column<Fruit>[] = [
  { key: 'name', header: 'Name', className: 'strong wrap', title: (f) => `Fruit #${f.id}`, cell: (f) => f.name },
  { key: 'count', header: 'Count', headerClassName: 'num', className: (f) => (f.count === 0 ? 'num muted' : 'num'), cell: (f) => f.count },
  { key: 'actions', header: <span className="visually-hidden">Actions</span>, cell: (f) => <button type="button">Eat {f.name}</button> },
];
const FRUIT: Fruit[] = [
  { id: 1, name: 'Apple', count: 3 },
  { id: 2, name: 'Pear', count: 0 },
];
const done: TableQuery = { isLoading: false, isError: false, error: null, refetch: () => {} };
const fruitRow = (f: Fruit) => ({ 'data-testid': 'fruit-row', 'data-fruit-id': f.id, className: f.id === 2 ? 'is-selected' : undefined });

describe('DataTable', () => {
  it('is a named table with column headers, one row per item and the cells the columns say', () => {
    render(<DataTable label="Fruit" testId="fruit" columns={COLUMNS} rows={FRUIT} rowKey={(f) => f.id} rowProps={fruitRow} query={done} loadingText="Loading fruit…" empty="No fruit." />);
    const table = screen.getByRole('table', { name: 'Fruit' });
    expect(table).toHaveAttribute('data-testid', 'fruit');
    expect(table).toHaveClass('table');
    expect(table.parentElement).toHaveClass('table-wrap');
    expect(table).not.toHaveAttribute('aria-busy');
    const headers = within(table).getAllByRole('columnheader');
    expect(headers.map((h) => h.textContent)).toEqual(['Name', 'Count', 'Actions']);
    headers.forEach((h) => expect(h).toHaveAttribute('scope', 'col'));
    expect(headers[1]).toHaveClass('num');

    const rows = within(table).getAllByTestId('fruit-row');
    expect(rows).toHaveLength(2);
    expect(rows[1]).toHaveAttribute('data-fruit-id', '2');
    expect(rows[1]).toHaveClass('is-selected');
    expect(rows[0]).not.toHaveAttribute('class');
    const [name, count, actions] = within(rows[1]).getAllByRole('cell');
    expect(name).toHaveTextContent('Pear');
    expect(name).toHaveClass('strong', 'wrap');
    expect(name).toHaveAttribute('title', 'Fruit #2');
    expect(count).toHaveClass('num', 'muted');
    expect(within(actions).getByRole('button', { name: 'Eat Pear' })).toBeInTheDocument();
    expect(screen.queryByText('No fruit.')).toBeNull();
  });

  it('says when it loads, and when it is empty, in one row across every column', () => {
    const { rerender } = render(
      <DataTable label="Fruit" busy columns={COLUMNS} rows={[]} rowKey={(f) => f.id} query={{ ...done, isLoading: true }} loadingText="Loading fruit…" empty="No fruit." emptyTestId="fruit-empty" />,
    );
    expect(screen.getByRole('table')).toHaveAttribute('aria-busy', 'true');
    const loading = screen.getByRole('cell', { name: 'Loading fruit…' });
    expect(loading).toHaveAttribute('colspan', '3');
    expect(loading).toHaveClass('table-empty');
    expect(screen.queryByText('No fruit.')).toBeNull();

    rerender(<DataTable label="Fruit" busy={false} columns={COLUMNS} rows={[]} rowKey={(f) => f.id} query={done} loadingText="Loading fruit…" empty="No fruit." emptyTestId="fruit-empty" />);
    expect(screen.getByRole('table')).toHaveAttribute('aria-busy', 'false');
    expect(screen.getByTestId('fruit-empty')).toHaveTextContent('No fruit.');
    expect(screen.getByTestId('fruit-empty')).toHaveAttribute('colspan', '3');
    expect(screen.queryByText('Loading fruit…')).toBeNull();
  });

  it('a compact table is named by its heading and scrolls inside its card', () => {
    render(
      <>
        <h3 id="fruit-title">Fruit</h3>
        <DataTable labelledBy="fruit-title" compact columns={COLUMNS} rows={FRUIT} rowKey={(f) => f.id} query={done} loadingText="…" empty="No fruit." />
      </>,
    );
    const table = screen.getByRole('table', { name: 'Fruit' });
    expect(table).toHaveClass('table', 'compact');
    expect(table.parentElement).toHaveClass('table-scroll');
  });

  it('a failed query shows the error state in place of the table; "Try again" asks again', async () => {
    const refetch = vi.fn();
    render(
      <DataTable
        label="Fruit"
        columns={COLUMNS}
        rows={[]}
        rowKey={(f) => f.id}
        query={{ isLoading: false, isError: true, error: new ApiError(500, { detail: 'The orchard is closed.' }), refetch }}
        loadingText="…"
        empty="No fruit."
      />,
    );
    expect(screen.queryByRole('table')).toBeNull();
    expect(screen.getByRole('alert')).toHaveTextContent('The orchard is closed.');
    await userEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(refetch).toHaveBeenCalledOnce();
  });

  it('a paged list has a footer with its summary, any controls and "Load more"', async () => {
    const pages = { hasNextPage: true, isFetchingNextPage: false, fetchNextPage: vi.fn() };
    const { container, rerender } = render(
      <DataTable
        label="Fruit"
        columns={COLUMNS}
        rows={FRUIT}
        rowKey={(f) => f.id}
        query={done}
        loadingText="…"
        empty="No fruit."
        paging={{ pages, summary: 'Showing 2 fruit', summaryTestId: 'fruit-count', controls: <label>Rows per page</label> }}
      />,
    );
    const footer = container.querySelector('.list-footer') as HTMLElement;
    expect(within(footer).getByTestId('fruit-count')).toHaveTextContent('Showing 2 fruit');
    expect(within(footer).getByText('Rows per page').parentElement).toHaveClass('list-footer-end');
    await userEvent.click(within(footer).getByRole('button', { name: 'Load more' }));
    expect(pages.fetchNextPage).toHaveBeenCalledOnce();

    rerender(<DataTable label="Fruit" columns={COLUMNS} rows={FRUIT} rowKey={(f) => f.id} query={done} loadingText="…" empty="No fruit." paging={{ pages: { ...pages, hasNextPage: false } }} />);
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();

    rerender(<DataTable label="Fruit" columns={COLUMNS} rows={FRUIT} rowKey={(f) => f.id} query={done} loadingText="…" empty="No fruit." />);
    expect(container.querySelector('.list-footer')).toBeNull();
  });

  it('with stable columns, a row whose data is unchanged is not rendered again', () => {
    const cell = vi.fn((f: Fruit) => f.name);
    const columns: Column<Fruit>[] = [{ key: 'name', header: 'Name', cell }];
    const props = { label: 'Fruit', columns, rowKey: (f: Fruit) => f.id, query: done, loadingText: '…', empty: 'No fruit.' };
    const { rerender } = render(<DataTable {...props} rows={FRUIT} />);
    expect(cell).toHaveBeenCalledTimes(2);
    const changed = { ...FRUIT[1], name: 'Quince' };
    rerender(<DataTable {...props} rows={[FRUIT[0], changed]} />);
    expect(cell).toHaveBeenCalledTimes(3);
    expect(screen.getByText('Quince')).toBeInTheDocument();
  });
});
