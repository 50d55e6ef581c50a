// Plain text tables for people; commands print JSON instead with --json.
export const formatTable = (headers: string[], rows: (string | number | null | undefined)[][]): string => {
  const cells = [headers, ...rows.map((row) => row.map((cell) => (cell === null || cell === undefined ? '' : String(cell))))];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  return cells
    .map((row) => row.map((cell, column) => (cell ?? '').padEnd(widths[column]!)).join('  ').trimEnd())
    .join('\n');
};
