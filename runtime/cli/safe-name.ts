// File names built from what a graph says (node ids, port names, Save Image prefixes) become names
// that can only ever mean one file inside the output folder: no separators, no NUL, no leading dot
// (so neither "..", nor hidden files), no names Windows reserves, and a bounded length.
import { hashText } from '../hash.ts';

const MAX_NAME_BYTES = 200;

export function safeFileName(name: string): string {
  let s = name.normalize('NFC').replace(/[^\p{L}\p{N}._-]/gu, '_');
  s = s.replace(/^\.+/, (dots) => '_'.repeat(dots.length));
  if (!s) s = '_';
  if (/^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i.test(s)) s = `_${s}`;
  if (new TextEncoder().encode(s).byteLength > MAX_NAME_BYTES) {
    // Keep the extension and make the shortened name unique to the original one.
    const ext = /\.[A-Za-z0-9]{1,8}$/.exec(s)?.[0] ?? '';
    s = `${[...s].slice(0, 120).join('')}-${hashText(name).slice(0, 12)}${ext}`;
  }
  return s;
}
