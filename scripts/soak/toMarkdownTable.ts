/** A Markdown table with padded columns, as the soaks and benchmarks print their figures. */
export function toMarkdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
    const widths = header.map((name, i) => Math.max(name.length, ...rows.map((row) => row[i]!.length)));
    const line = (cells: readonly string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
    return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}
