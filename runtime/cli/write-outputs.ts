// Writing the planned files: each name is checked to stay a single file in the output folder,
// and an existing symbolic link there is never followed (O_NOFOLLOW), so no file outside --out is
// ever written, whatever the graph's node ids say.
import { constants } from 'node:fs';
import { mkdir, open, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { PlannedFile } from './outputs.ts';
import { safeFileName } from './safe-name.ts';

/** Why `dir` cannot take outputs (an existing file, say), or undefined when it can. */
export async function outputDirProblem(dir: string): Promise<string | undefined> {
  try {
    const info = await stat(dir);
    return info.isDirectory() ? undefined : 'exists and is not a folder';
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ENOTDIR') return 'is inside something that is not a folder';
    return (e as Error).message;
  }
}

export async function writeOutputs(dir: string, files: readonly PlannedFile[]): Promise<void> {
  if (!files.length) return;
  const root = resolve(dir);
  await mkdir(root, { recursive: true });
  for (const f of files) {
    if (f.name !== safeFileName(f.name) || basename(f.name) !== f.name) throw new Error(`refusing to write "${f.name}": not a plain file name`);
    const handle = await open(join(root, f.name), constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o644);
    try {
      await handle.writeFile(f.bytes);
    } finally {
      await handle.close();
    }
  }
}
