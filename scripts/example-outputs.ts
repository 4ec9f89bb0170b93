// `npm run docs:examples` [-- <example id> …] [--pack DIR] [--record]: runs personalization examples
// as they ship (their own steps, seeds and prompts) and writes what each example's Preview shows (the
// concept's reference images beside the generated ones) at full size, with the Metrics node's scores
// on the console. With --record the pictures go to docs/examples/<id>.png, which the README shows;
// without it to a temporary folder, and nothing shipped changes. --pack runs the examples on another
// pack folder (a candidate before it ships).
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pngOf, resultImage, rgbOf, runExample } from './run-example.ts';

const DEFAULT_IDS = ['textual-inversion', 'dreambooth-lora', 'concept-encoder'];

const { values: opt, positionals } = parseArgs({ allowPositionals: true, options: { pack: { type: 'string' }, record: { type: 'boolean' } } });

const ids = positionals.length ? positionals : DEFAULT_IDS;
const out = opt.record ? resolve(import.meta.dirname, '..', 'docs', 'examples') : await mkdtemp(join(tmpdir(), 'example-outputs-'));
await mkdir(out, { recursive: true });
for (const id of ids) {
  const run = await runExample(id, { pack: opt.pack });
  const grid = resultImage(run);
  if (!grid) throw new Error(`${id}: no output picture`);
  const file = join(out, `${id}.png`);
  await writeFile(file, await pngOf(rgbOf(grid)).png({ compressionLevel: 9 }).toBuffer());
  const metrics = run.doc.nodes.flatMap((n) => Object.values(run.outputs.get(n.id) ?? {})).find((v) => v.kind === 'metrics');
  const scores = metrics?.kind === 'metrics' ? Object.entries(metrics.values).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ') : '';
  console.log(`${id}: ${file} in ${run.seconds.toFixed(0)} s${scores ? `; ${scores}` : ''}`);
}
