// `npm run thumbnails` [-- <example id> …]: runs each example graph in graphs/ headless with the
// built-in pack, as `npm run graph` does, and writes its result (the first Preview's grid, or else
// the first picture an output node makes) as a small PNG to graphs/thumbnails/<id>.png, which the
// Examples gallery shows. Steps are the examples' own: a thumbnail shows what the example makes.
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GRAPHS, pngOf, resultImage, rgbOf, runExample } from './run-example.ts';

const OUT = join(GRAPHS, 'thumbnails');
/** The longest side of a thumbnail: the gallery draws them at 64 to 128 CSS pixels. */
const MAX_SIDE = 128;

async function thumbnail(id: string) {
  const run = await runExample(id);
  const t = resultImage(run);
  if (!t) throw new Error(`${id}: no output picture`);
  const img = rgbOf(t);
  const scale = Math.min(1, MAX_SIDE / Math.max(img.width, img.height));
  const png = await pngOf(img)
    .resize(Math.max(1, Math.round(img.width * scale)), Math.max(1, Math.round(img.height * scale)), { kernel: 'lanczos3' })
    .png({ compressionLevel: 9, palette: true })
    .toBuffer();
  await writeFile(join(OUT, `${id}.png`), png);
  console.log(`${id}: ${png.length} bytes in ${run.seconds.toFixed(1)} s`);
}

const wanted = process.argv.slice(2);
const ids = wanted.length ? wanted : (await readdir(GRAPHS)).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));
await mkdir(OUT, { recursive: true });
for (const id of ids) await thumbnail(id);
