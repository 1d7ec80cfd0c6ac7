import Table from 'cli-table3';

// No borders or colours: columns separated by two spaces read well in a terminal, a pager and a log.
const PLAIN = {
  chars: {
    top: '',
    'top-mid': '',
    'top-left': '',
    'top-right': '',
    bottom: '',
    'bottom-mid': '',
    'bottom-left': '',
    'bottom-right': '',
    left: '',
    'left-mid': '',
    mid: '',
    'mid-mid': '',
    right: '',
    'right-mid': '',
    middle: '  ',
  },
  style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
};

/** A plain text table: a header row, then one row per entry; lines have no trailing spaces. */
export function renderTable(
  head: readonly string[],
  rows: readonly (readonly (string | number)[])[],
): string {
  const table = new Table({ head: [...head], ...PLAIN });
  for (const row of rows) table.push(row.map(String));
  return table
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line.length > 0)
    .join('\n');
}

/** An ISO time for epoch milliseconds, or '-' when there is none. */
export function isoOrDash(millis: number | undefined): string {
  return millis === undefined ? '-' : new Date(millis).toISOString();
}
