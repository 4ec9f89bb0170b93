// Every example in graphs/ must validate and run headless as it is, as the gallery promises.
// Examples that personalize a model run with reduced steps (every `steps` capped, prior images cut
// to one), and against a tiny random pack when the built-in pack is not fully trained yet, so the
// test proves the wiring, not the training.
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { COMPONENTS } from '../models/pack/manifest.ts';
import { readDiffusionManifest } from '../models/pack/write.ts';
import { writeTinyPack } from '../models/personalize/tiny-pack.ts';
import { runGraphCli } from '../runtime/cli/graph-cli.ts';
import { type ExampleNode, reducedParams } from './reduced-steps.ts';

const root = resolve(import.meta.dirname, '..');
const examples = (await readdir(join(root, 'graphs'))).filter((f) => f.endsWith('.json')).sort();
const builtIn = readDiffusionManifest(join(root, 'public', 'models', 'emoji-diffusion'));
const builtInComplete = COMPONENTS.every((c) => builtIn?.components[c]);

/** The reduced-steps override as --set arguments, and the pack to use instead of the built-in one. */
function reducedSteps(doc: { nodes: ExampleNode[] }, pack: string | null): string[] {
  const sets: string[] = [];
  for (const n of doc.nodes) {
    if (n.type === 'model-loader' && pack) sets.push(`${n.id}.pack=${pack}`);
    for (const [k, v] of Object.entries(reducedParams(n))) sets.push(`${n.id}.${k}=${v}`);
  }
  return sets.flatMap((s) => ['--set', s]);
}

let tinyPack: string | null = null;
beforeAll(async () => {
  if (builtInComplete) return;
  tinyPack = await mkdtemp(join(tmpdir(), 'example-pack-'));
  await writeTinyPack(tinyPack);
});

describe('example graphs', () => {
  it('there are examples to run', () => {
    expect(examples.length).toBeGreaterThan(0);
  });

  it.each(examples)('%s runs headless with every node done', async (file) => {
    const out = await mkdtemp(join(tmpdir(), 'example-'));
    const doc = JSON.parse(await readFile(join(root, 'graphs', file), 'utf8'));
    let stdout = '';
    let stderr = '';
    const code = await runGraphCli([join('graphs', file), '--out', out, '--workers', '0', '--no-cache', ...reducedSteps(doc, tinyPack)], {
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
