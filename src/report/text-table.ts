/** Plain-text table layout for the terminal rendering (pure). */

/** Column alignment: `l` left, `r` right. */
export type Align = 'l' | 'r';

/** Lays out rows under a header with columns padded to their widest cell, indented by `indent`. */
export function textTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  align: readonly Align[],
  indent = '  ',
): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    indent +
    cells
      .map((c, i) => (align[i] === 'r' ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
