// Real image files and graphs for runtime tests: a PNG (fast-png), a JPEG and a WebP (sharp),
// written to a fresh temporary folder.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { encodePng } from '../../nodes/image/png.ts';
import type { GraphDoc } from '../document/schema.ts';

/** A w×h gradient with a coloured square, so resizing and cropping visibly matter. */
export function testPattern(w: number, h: number, hue: number) {
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4;
      const inSquare = x > w / 4 && x < (3 * w) / 4 && y > h / 4 && y < (3 * h) / 4;
      data[i] = inSquare ? hue : (x * 255) / w;
      data[i + 1] = inSquare ? 255 - hue : (y * 255) / h;
      data[i + 2] = 128;
      data[i + 3] = 255;
    }
  return { width: w, height: h, data };
}

export async function writeTestImages(): Promise<{ dir: string; png: string; jpeg: string; webp: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'runtime-test-'));
  const png = join(dir, 'a.png');
  const jpeg = join(dir, 'b.jpg');
  const webp = join(dir, 'c.webp');
  await writeFile(png, encodePng(testPattern(48, 40, 200)));
  const raw = (p: ReturnType<typeof testPattern>) => sharp(p.data, { raw: { width: p.width, height: p.height, channels: 4 } });
  await raw(testPattern(64, 48, 30)).jpeg({ quality: 95 }).toFile(jpeg);
  await raw(testPattern(40, 40, 120)).webp({ lossless: true }).toFile(webp);
  return { dir, png, jpeg, webp };
}

type N = [id: string, type: string, params?: Record<string, unknown>];
type E = [source: string, sourceHandle: string, target: string, targetHandle: string];

/** A graph from terse node and edge lists; edge ids are e0, e1, … */
export function graph(nodes: N[], edges: E[]): GraphDoc {
  return {
    version: 2,
    nodes: nodes.map(([id, type, params = {}], i) => ({ id, type, params: params as GraphDoc['nodes'][0]['params'], position: { x: i * 200, y: 0 } })),
    edges: edges.map(([source, sourceHandle, target, targetHandle], i) => ({ id: `e${i}`, source, sourceHandle, target, targetHandle })),
  };
}
