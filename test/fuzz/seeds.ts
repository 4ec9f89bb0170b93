// The project's own files each surface's mutations start from: example graphs, the samples, PNGs
// that carry a graph, safetensors and ONNX files written by the engine, a model pack's manifest.
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { f32, GraphBuilder, i64, tensor, toOnnxBytes, writeSafetensors } from '../../ml/index.ts';
import { writeTinyPack } from '../../models/personalize/tiny-pack.ts';
import { writeTinyArPack } from '../../models/train/tiny-ar-pack.ts';
import { writeTinyGanPack } from '../../models/train/tiny-gan-pack.ts';
import { encodePngWithGraph } from '../../runtime/index.ts';
import { testPattern } from '../../runtime/testing/fixtures.ts';
import type { Surface } from './surfaces.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const enc = new TextEncoder();
const graphFiles = () => readdirSync(join(ROOT, 'graphs')).filter((f) => f.endsWith('.json')).sort();
const readGraph = (f: string) => readFileSync(join(ROOT, 'graphs', f));
const samples = () =>
  readdirSync(join(ROOT, 'public/samples'))
    .filter((f) => f.endsWith('.png'))
    .sort()
    .map((f) => new Uint8Array(readFileSync(join(ROOT, 'public/samples', f))));

/** Graphs that run on the image nodes alone, for whole runs through the CLI. */
export const IMAGE_GRAPHS = ['emoji-blend.json', 'emoji-collage.json', 'noise-gallery.json'];

function onnxSeeds(): Uint8Array[] {
  const mlp = new GraphBuilder('mlp');
  const x = mlp.input('x', 'float32', [2, 3]);
  const w = mlp.constant(f32([3, 4], Array.from({ length: 12 }, (_, i) => i / 12)), 'w');
  const h = mlp.op1('Relu', [mlp.op1('MatMul', [x, w])]);
  mlp.output(mlp.op1('Add', [h, mlp.constant(f32([4], [1, 2, 3, 4]), 'b')]), 'y');

  const conv = new GraphBuilder('conv');
  const img = conv.input('img', 'float32', [1, 2, 5, 5]);
  const k = conv.constant(f32([3, 2, 3, 3], Array.from({ length: 54 }, (_, i) => Math.sin(i))), 'k');
  const y = conv.op1('Conv', [img, k], { pads: [1, 1, 1, 1], strides: [1, 1] });
  const flat = conv.op1('Reshape', [y, conv.constant(i64([2], [1, -1]), 'shape')]);
  conv.output(conv.op1('Softmax', [flat], { axis: 1 }), 'p');
  return [toOnnxBytes(mlp.build()), toOnnxBytes(conv.build())];
}

function safetensorsSeeds(): Uint8Array[] {
  return [
    writeSafetensors({ w: f32([2, 3], [1, 2, 3, 4, 5, 6]), b: f32([3], [0, 0.5, 1]) }, { format: 'pt' }),
    writeSafetensors({ ids: i64([4], [1, 2, 3, 4]), half: tensor('float16', [2], new Uint16Array([0x3c00, 0xc000])), flag: tensor('bool', [3], new Uint8Array([0, 1, 1])) }),
    writeSafetensors({}),
  ];
}

async function imageSeeds(): Promise<Uint8Array[]> {
  const p = testPattern(24, 16, 90);
  const raw = () => sharp(p.data, { raw: { width: p.width, height: p.height, channels: 4 } });
  return [
    ...samples().slice(0, 3),
    new Uint8Array(await raw().jpeg({ quality: 80 }).toBuffer()),
    new Uint8Array(await raw().webp({ lossless: true }).toBuffer()),
    new Uint8Array(await raw().webp({ quality: 60 }).toBuffer()),
    new Uint8Array(await raw().gif().toBuffer()),
    enc.encode('<svg xmlns="http://www.w3.org/2000/svg" width="32" height="24"><rect width="32" height="24" fill="red"/></svg>'),
  ];
}

/** A tiny pack's files, name → bytes (its manifest is what the manifest surface mutates). */
export async function tinyPackFiles(): Promise<Record<string, Uint8Array>> {
  const dir = await mkdtemp(join(tmpdir(), 'fuzz-pack-'));
  try {
    const manifest = await writeTinyPack(dir);
    const names = ['manifest.json', ...Object.values(manifest.components).map((c) => c!.weights)];
    return Object.fromEntries(await Promise.all(names.map(async (n) => [n, new Uint8Array(await readFile(join(dir, n)))] as const)));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A tiny GAN pack's files (generator, encoder, evaluator), name → bytes. */
export async function tinyGanPackFiles(): Promise<Record<string, Uint8Array>> {
  const dir = await mkdtemp(join(tmpdir(), 'fuzz-gan-pack-'));
  try {
    await writeTinyGanPack(dir);
    const names = await readdir(dir);
    return Object.fromEntries(await Promise.all(names.map(async (n) => [n, new Uint8Array(await readFile(join(dir, n)))] as const)));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A tiny AR pack's files (image tokenizer, transformer, text encoder, VAE, evaluator), name → bytes. */
export async function tinyArPackFiles(): Promise<Record<string, Uint8Array>> {
  const dir = await mkdtemp(join(tmpdir(), 'fuzz-ar-pack-'));
  try {
    await writeTinyArPack(dir);
    const names = await readdir(dir);
    return Object.fromEntries(await Promise.all(names.map(async (n) => [n, new Uint8Array(await readFile(join(dir, n)))] as const)));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function seedsFor(surface: Surface): Promise<Uint8Array[]> {
  switch (surface) {
    case 'graph-json':
      return graphFiles().map((f) => new Uint8Array(readGraph(f)));
    case 'png-graph': {
      const img = testPattern(8, 8, 10);
      return [...graphFiles().slice(0, 4).map((f) => encodePngWithGraph(img, JSON.parse(readGraph(f).toString()))), ...samples().slice(0, 2)];
    }
    case 'safetensors':
      return safetensorsSeeds();
    case 'onnx':
      return onnxSeeds();
    case 'image':
      return imageSeeds();
    case 'manifest':
      return [(await tinyPackFiles())['manifest.json']];
    case 'gan-manifest':
      return [(await tinyGanPackFiles())['manifest.json']];
    case 'ar-manifest':
      return [(await tinyArPackFiles())['manifest.json']];
    case 'cli':
      return IMAGE_GRAPHS.map((f) => new Uint8Array(readGraph(f)));
  }
}
