// A benchmark's results kept in the README between two markers: replaced in place when the block
// is there, otherwise added under the benchmark's own heading after a named earlier block's section
// (before the heading that follows it), or at the end.

export interface ReadmeBlock {
  /** The marker pair's name: `<!-- bench:<name> -->` … `<!-- /bench:<name> -->`. */
  name: string;
  /** Heading of the section a first recording adds. */
  heading: string;
  /** The command that produces it, named under the heading. */
  command: string;
  /** A marker whose section the new one follows (the benchmark listed before it). */
  after: string;
}

export function withReadmeBlock(text: string, table: string, b: ReadmeBlock): string {
  const start = `<!-- bench:${b.name} -->`;
  const end = `<!-- /bench:${b.name} -->`;
  const block = `${start}\n${table}\n${end}`;
  if (text.includes(start)) return text.replace(new RegExp(`${start}[\\s\\S]*?${end}`), () => block);
  const section = `### ${b.heading}\n\n\`${b.command}\` (last results):\n\n${block}\n`;
  const after = text.indexOf(b.after);
  const next = after < 0 ? -1 : text.slice(after).search(/\n#{1,3} /);
  if (next < 0) return `${text.trimEnd()}\n\n${section}`;
  const at = after + next + 1;
  return `${text.slice(0, at)}${section}\n${text.slice(at)}`;
}
