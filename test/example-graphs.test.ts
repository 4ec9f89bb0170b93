// Every example in graphs/ must validate and run headless as it is, as the gallery promises.
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runGraphCli } from '../runtime/cli/graph-cli.ts';

const root = resolve(import.meta.dirname, '..');
const examples = (await readdir(join(root, 'graphs'))).filter((f) => f.endsWith('.json')).sort();

describe('example graphs', () => {
  it('there are examples to run', () => {
    expect(examples.length).toBeGreaterThan(0);
  });

  it.each(examples)('%s runs headless with every node done', async (file) => {
    const out = await mkdtemp(join(tmpdir(), 'example-'));
    let stdout = '';
    let stderr = '';
    const code = await runGraphCli([join('graphs', file), '--out', out, '--workers', '0', '--no-cache'], {
      stdout: (s) => (stdout += s),
      stderr: (s) => (stderr += s),
      tty: false,
      cwd: root,
    });
    expect(stderr + stdout, file).toMatch(/failed: 0$/m);
    expect(code, stderr).toBe(0);
    expect((await readdir(out)).length, 'files written').toBeGreaterThan(0);
  });
});
