// `npm run thumbnails` [-- <example id> …]: runs each example graph in graphs/ headless with the
// built-in pack, as `npm run graph` does, and writes its result (the first Preview's grid, or else
// the first picture an output node makes) as a small PNG to graphs/thumbnails/<id>.png, which the
// Examples gallery shows. Steps are the examples' own: a thumbnail shows what the example makes.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { registry } from '../nodes/registry.ts';
import { createRuntime, inProcessExecutor, parseGraphText, type GraphDoc, type NodeOutputs } from '../runtime/index.ts';
import { nodePlatform } from '../runtime/node/platform.ts';

const GRAPHS = resolve(import.meta.dirname, '..', 'graphs');
const OUT = join(GRAPHS, 'thumbnails');
/** The longest side of a thumbnail: the gallery draws them at 64 to 128 CSS pixels. */
const MAX_SIDE = 128;

/** The picture that best shows what a graph makes: a Preview's grid, else any output picture. */
function resultImage(doc: GraphDoc, outputs: Map<string, NodeOutputs>) {
  const order = [...doc.nodes].sort((a, b) => Number(b.type === 'preview') - Number(a.type === 'preview'));
  for (const n of order)
    for (const v of Object.values(outputs.get(n.id) ?? {}))
      if (v.kind === 'image' && v.tensor.shape.length === 4) return v.tensor;
  return undefined;
}

async function thumbnail(id: string) {
  const text = await readFile(join(GRAPHS, `${id}.json`), 'utf8');
  const parsed = parseGraphText(text);
  if (!parsed.ok) throw new Error(`${id}.json: ${parsed.errors[0].message}`);
  const runtime = createRuntime({ registry, executor: inProcessExecutor(registry, nodePlatform(GRAPHS)) });
  const started = performance.now();
  const result = await runtime.run(parsed.doc).done;
  if (result.stats.failed) throw new Error(`${id}: ${result.stats.failed} node(s) failed`);
  const t = resultImage(parsed.doc, result.outputs);
  if (!t) throw new Error(`${id}: no output picture`);
  const [, c, h, w] = t.shape;
  const data = t.data as Float32Array;
  const rgb = Buffer.alloc(w * h * 3);
  for (let p = 0; p < w * h; p++)
    for (let k = 0; k < 3; k++) rgb[p * 3 + k] = Math.round(Math.max(0, Math.min(1, data[(c >= 3 ? k : 0) * w * h + p])) * 255);
  const scale = Math.min(1, MAX_SIDE / Math.max(w, h));
  const png = await sharp(rgb, { raw: { width: w, height: h, channels: 3 } })
    .resize(Math.max(1, Math.round(w * scale)), Math.max(1, Math.round(h * scale)), { kernel: 'lanczos3' })
    .png({ compressionLevel: 9, palette: true })
    .toBuffer();
  await writeFile(join(OUT, `${id}.png`), png);
  console.log(`${id}: ${png.length} bytes in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

const wanted = process.argv.slice(2);
const ids = wanted.length ? wanted : (await readdir(GRAPHS)).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));
await mkdir(OUT, { recursive: true });
for (const id of ids) await thumbnail(id);
