// Each real node run on its own through runJob, the same path the executors take.
import { describe, expect, it, beforeAll } from 'vitest';
import { f32 } from '../ml/tensor.ts';
import { inProcessExecutor, type JobHooks, type NodeOutputs } from '../runtime/index.ts';
import { nodePlatform } from '../runtime/node/index.ts';
import { writeTestImages, testPattern } from '../runtime/testing/fixtures.ts';
import { encodePng, graphFromPng } from './image/png.ts';
import { registry } from './registry.ts';

const exec = inProcessExecutor(registry, nodePlatform());
const hooks = (): JobHooks => ({ signal: new AbortController().signal, onStart() {}, onProgress() {}, onPreview() {} });
const run = async (nodeType: string, params: Record<string, unknown>, inputs: Record<string, unknown> = {}, document?: unknown) =>
  (await exec.execute({ nodeId: 'n', nodeType, params, inputs: inputs as never, document: document as never }, hooks())).outputs;
const tensorOf = (o: NodeOutputs, name: string) => {
  const v = o[name];
  if (!('tensor' in v)) throw new Error(`${name} has no tensor`);
  return v.tensor;
};

let images: Awaited<ReturnType<typeof writeTestImages>>;
beforeAll(async () => {
  images = await writeTestImages();
});

describe('Image Loader', () => {
  it('loads PNG, JPEG and WebP into one batch at the target size, values in [0, 1]', async () => {
    const out = await run('image-loader', { sources: [images.png, images.jpeg, images.webp], width: 20, height: 10 });
    const t = tensorOf(out, 'images');
    expect(t.shape).toEqual([3, 3, 10, 20]);
    const data = t.data as Float32Array;
    expect(Math.min(...data)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...data)).toBeLessThanOrEqual(1);
  });

  it('decodes pixels faithfully (lossless PNG through cover at native size)', async () => {
    const t = tensorOf(await run('image-loader', { sources: [images.png], width: 48, height: 40 }), 'images');
    const p = testPattern(48, 40, 200);
    const d = t.data as Float32Array;
    for (const i of [0, 500, 1919]) expect(d[i]).toBeCloseTo(p.data[i * 4] / 255, 5); // red plane
  });

  it('reads data: URLs too', async () => {
    const png = encodePng(testPattern(4, 4, 10));
    const url = `data:image/png;base64,${Buffer.from(png).toString('base64')}`;
    expect(tensorOf(await run('image-loader', { sources: [url], width: 4, height: 4 }), 'images').shape).toEqual([1, 3, 4, 4]);
  });
});

describe('Seed / Noise', () => {
  it('is the same for a seed and different across seeds; latent is roughly N(0, 1)', async () => {
    const a = tensorOf(await run('seed-noise', { seed: 1, width: 32, height: 32 }), 'latent');
    const b = tensorOf(await run('seed-noise', { seed: 1, width: 32, height: 32 }), 'latent');
    const c = tensorOf(await run('seed-noise', { seed: 2, width: 32, height: 32 }), 'latent');
    expect(a.data).toEqual(b.data);
    expect(a.data).not.toEqual(c.data);
    const d = a.data as Float32Array;
    const mean = d.reduce((s, v) => s + v, 0) / d.length;
    const std = Math.sqrt(d.reduce((s, v) => s + (v - mean) ** 2, 0) / d.length);
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(Math.abs(std - 1)).toBeLessThan(0.05);
  });
});

describe('Blend', () => {
  const img = (v: number, n = 1) => ({ kind: 'image', tensor: f32([n, 3, 2, 2], new Array(n * 12).fill(v)) });
  it('mixes with alpha and pairs a batch of one with each image', async () => {
    const t = tensorOf(await run('blend', { alpha: 0.25 }, { a: img(1, 3), b: img(0) }), 'image');
    expect(t.shape).toEqual([3, 3, 2, 2]);
    expect((t.data as Float32Array)[0]).toBeCloseTo(0.75);
    const m = tensorOf(await run('blend', { alpha: 1, mode: 'multiply' }, { a: img(0.5), b: img(0.5) }), 'image');
    expect((m.data as Float32Array)[0]).toBeCloseTo(0.25);
  });
});

describe('Text Prompt, Resize / Crop, Preview', () => {
  it('work', async () => {
    expect((await run('text-prompt', { text: 'hello' })).prompt).toEqual({ kind: 'prompt', text: 'hello' });
    const img = { kind: 'image', tensor: f32([2, 3, 8, 8]) };
    expect(tensorOf(await run('resize-crop', { mode: 'contain', width: 4, height: 6 }, { image: img }), 'image').shape).toEqual([2, 3, 6, 4]);
    expect(tensorOf(await run('preview', { columns: 2, cell: 16 }, { images: [img, img] }), 'grid').shape).toEqual([1, 3, 34, 34]);
  });
});

describe('Save Image', () => {
  it('writes PNGs that restore the graph when dropped back, unicode included', async () => {
    const doc = { version: 2, title: 'Grüße ✓', nodes: [{ id: 'a', type: 'text-prompt', params: { text: '猫 🐱' }, position: { x: 1, y: 2 } }], edges: [] };
    const out = await run('save-image', { prefix: 'cat' }, { images: { kind: 'image', tensor: f32([2, 3, 4, 4]) } }, doc);
    if (out.files.kind !== 'files') throw new Error('expected files');
    expect(out.files.files.map((f) => f.name)).toEqual(['cat-000.png', 'cat-001.png']);
    const restored = graphFromPng(out.files.files[1].bytes);
    expect(restored).toEqual({ ok: true, doc });
  });

  it('says so when a PNG carries no graph', () => {
    const r = graphFromPng(encodePng(testPattern(2, 2, 0)));
    expect(r.ok).toBe(false);
  });
});
