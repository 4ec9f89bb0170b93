import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { f32, GraphBuilder, Linear, Params, readSafetensors, type Tensor, writeSafetensors } from '../../ml/index.ts';
import { buildTokenizerConfig } from '../text/tokenizer.ts';
import { fromHalfBits, toFloat16, toFloat32, toHalfBits } from './half.ts';
import { type FetchBytes, httpFetchBytes, loadPack, PackError, sha256Hex, type TensorSpec } from './load.ts';
import type { DiffusionManifest as Manifest } from './manifest.ts';
import { paramShapes } from './spec.ts';
import { ganConfigSchema } from '../gan/config.ts';
import { emojiGanPackBase } from './emoji-pack.ts';
import { EMOJI_PACK_DIR, exportComponent, readDiffusionManifest, readManifest, recordMetrics, writeManifest } from './write.ts';

// A one-layer "architecture" whose config says its sizes, as real ones do.
const tinySpec: TensorSpec = (a) => {
  const p = new Params(new GraphBuilder('spec'), { prefix: 'vae' });
  new Linear(p, 'proj', a.inFeatures as number, a.outFeatures as number);
  return paramShapes(p);
};
const architectures = { 'tiny-linear': tinySpec };
const arch = { kind: 'tiny-linear', inFeatures: 3, outFeatures: 2 };

function weights(): Record<string, Tensor> {
  return { 'vae.proj.weight': f32([2, 3], [1, 2, 3, 4, 5, 6]), 'vae.proj.bias': f32([2], [0.5, -0.5]) };
}

function base(): Manifest {
  return {
    schemaVersion: 1,
    name: 'tiny',
    family: 'latent-diffusion',
    description: 'test pack',
    resolution: { width: 8, height: 8, channels: 3 },
    background: 'white',
    latent: { channels: 4, height: 2, width: 2, scalingFactor: 1 },
    tokenizer: buildTokenizerConfig(['a cat, noto style'], { maxLength: 8, placeholders: 1 }),
    inversionSpaces: ['noise', 'text-embedding'],
    lora: [],
    license: { weights: 'CC-BY-4.0', data: [{ name: 'Twemoji', author: 'Twitter', license: 'CC-BY-4.0', url: 'https://github.com/twitter/twemoji' }], attribution: 'credit' },
    dataset: { description: 'none', heldOutConcepts: [] },
    components: {},
  };
}

/** An in-memory pack: file name → bytes, served like fetch would. */
async function memoryPack(change?: (files: Map<string, Uint8Array>, m: Manifest) => void | Promise<void>) {
  const files = new Map<string, Uint8Array>();
  const bytes = writeSafetensors(weights());
  files.set('vae.safetensors', bytes);
  const m = base();
  m.components.vae = { weights: 'vae.safetensors', sha256: await sha256Hex(bytes), bytes: bytes.byteLength, dtype: 'float32', parameters: 8, architecture: arch };
  await change?.(files, m);
  if (!files.has('manifest.json')) files.set('manifest.json', new TextEncoder().encode(JSON.stringify(m)));
  const fetchBytes: FetchBytes = async (f) => {
    const b = files.get(f);
    if (!b) throw new Error(`404 ${f}`);
    return b;
  };
  return fetchBytes;
}

const reject = async (fetchBytes: FetchBytes, pattern: RegExp, opts = {}) => {
  const err = await loadPack(fetchBytes, { architectures, ...opts }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(PackError);
  expect((err as Error).message).toMatch(pattern);
};

describe('loadPack', () => {
  it('loads a valid pack and returns float32 weights by name', async () => {
    const { manifest, weights: w } = await loadPack(await memoryPack(), { architectures });
    expect(manifest.name).toBe('tiny');
    expect(Array.from(w.vae!['vae.proj.weight'].data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('names the problem for each bad input', async () => {
    await reject(await memoryPack((f) => void f.set('manifest.json', new TextEncoder().encode('{oops'))), /not valid JSON/);
    await reject(await memoryPack((_, m) => void ((m as { family: string }).family = 'gan-ish')), /family/);
    await reject(await memoryPack((_, m) => void (m.components.vae!.weights = '../secret')), /components\.vae\.weights/);
    await reject(await memoryPack((f) => void f.delete('vae.safetensors')), /component "vae".*vae\.safetensors cannot be read/);
    await reject(await memoryPack((_, m) => void (m.components.vae!.bytes += 1)), /has \d+ bytes, the manifest says/);
    await reject(await memoryPack((_, m) => void (m.components.vae!.sha256 = '0'.repeat(64))), /sha256/);
    await reject(await memoryPack((_, m) => void (m.components.vae!.architecture = { kind: 'mystery' })), /kind "mystery" is not known/);
    await reject(await memoryPack((_, m) => void (m.components.vae!.dtype = 'float16')), /tensor "vae.proj.weight": is float32, the manifest says float16/);
    await reject(await memoryPack(), /"unet": is not in this pack/, { components: ['unet'] });
    await reject(await memoryPack((_, m) => void (m.components.vae!.parameters = 9)), /8 parameters, the manifest says 9/);
  });

  it('checks every tensor against the architecture', async () => {
    const withWeights = (w: Record<string, Tensor>) =>
      memoryPack(async (f, m) => {
        const bytes = writeSafetensors(w);
        f.set('vae.safetensors', bytes);
        Object.assign(m.components.vae!, { bytes: bytes.byteLength, sha256: await sha256Hex(bytes) });
      });
    const { 'vae.proj.bias': _, ...noBias } = weights();
    await reject(await withWeights(noBias), /tensor "vae.proj.bias": missing from vae.safetensors/);
    await reject(await withWeights({ ...weights(), 'vae.proj.weight': f32([3, 2]) }), /tensor "vae.proj.weight": has shape \[3,2\], the architecture needs \[2,3\]/);
    await reject(await withWeights({ ...weights(), 'vae.extra': f32([1]) }), /tensor "vae.extra": is in vae.safetensors but not in the architecture/);
    await reject(await withWeights({ ...weights(), 'vae.proj.weight': f32([2, 3]), 'vae.proj.bias': f32([4]) }), /vae.proj.bias.*shape \[4\]/);
    const garbage = memoryPack(async (f, m) => {
      const bytes = new Uint8Array(16).fill(7);
      f.set('vae.safetensors', bytes);
      Object.assign(m.components.vae!, { bytes: 16, sha256: await sha256Hex(bytes) });
    });
    await reject(await garbage, /not valid safetensors/);
  });
});

describe('float16 storage', () => {
  it('rounds to nearest even and round-trips representable values', () => {
    expect(toHalfBits(1)).toBe(0x3c00);
    expect(toHalfBits(-2)).toBe(0xc000);
    expect(toHalfBits(65504)).toBe(0x7bff);
    expect(toHalfBits(1e6)).toBe(0x7c00);
    expect(fromHalfBits(toHalfBits(2 ** -24))).toBe(2 ** -24);
    expect(fromHalfBits(toHalfBits(1 + 2 ** -11))).toBe(1); // a tie rounds to even
    expect(fromHalfBits(toHalfBits(1 + 3 * 2 ** -11))).toBe(1 + 2 ** -9);
    const t = f32([4], [0.1, -3.25, 1e-5, 100]);
    const back = toFloat32(toFloat16(t)).data as Float32Array;
    back.forEach((v, i) => expect(Math.abs(v - (t.data as Float32Array)[i])).toBeLessThanOrEqual(Math.abs((t.data as Float32Array)[i]) * 1e-3 + 1e-7));
  });
});

describe('manifest families', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pack-families-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the shipped diffusion manifest byte-identical through parse and write', () => {
    writeManifest(dir, readManifest(EMOJI_PACK_DIR)!);
    expect(readFileSync(join(dir, 'manifest.json'), 'utf8')).toBe(readFileSync(join(EMOJI_PACK_DIR, 'manifest.json'), 'utf8'));
  });

  it('will not export a diffusion component into a GAN pack, nor read one as a diffusion manifest', async () => {
    const entry = readDiffusionManifest(EMOJI_PACK_DIR)!.components.evaluator!;
    const config = ganConfigSchema.parse({ resolution: 8, zDim: 4, wDim: 4, mappingLayers: 1, classes: 2, channels: [4, 4], dChannels: [4, 4] });
    writeManifest(dir, emojiGanPackBase(config, ['cats', 'dogs'], { generator: entry, evaluator: entry }, readDiffusionManifest(EMOJI_PACK_DIR)!.tokenizer));
    expect(readManifest(dir)?.family).toBe('stylegan');
    expect(() => readDiffusionManifest(dir)).toThrow(/a diffusion \(latent-diffusion\) pack is needed here; "emoji-gan" is a GAN \(stylegan\) pack/);
    await expect(exportComponent({ dir, component: 'vae', tensors: weights(), architecture: arch, base })).rejects.toThrow(/updating .*manifest\.json needs a diffusion/);
    expect(readManifest(dir)?.family).toBe('stylegan');
    expect(existsSync(join(dir, 'vae.safetensors'))).toBe(false);
  });
});

describe('exportComponent', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pack-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes weights and a manifest entry that loadPack accepts, in float16 too', async () => {
    const fsFetch: FetchBytes = async (f) => new Uint8Array(readFileSync(join(dir, f)));
    const entry = await exportComponent({
      dir, component: 'vae', tensors: weights(), architecture: arch, dtype: 'float16', base,
      patch: (m) => void (m.latent.scalingFactor = 0.5),
    });
    expect(entry.parameters).toBe(8);
    expect(readSafetensors(new Uint8Array(readFileSync(join(dir, 'vae.safetensors')))).tensors['vae.proj.weight'].dtype).toBe('float16');
    recordMetrics(dir, 'vae', { psnr: 30 });
    const { manifest, weights: w } = await loadPack(fsFetch, { architectures });
    expect(manifest.latent.scalingFactor).toBe(0.5);
    expect(manifest.components.vae!.metrics).toEqual({ psnr: 30 });
    expect(w.vae!['vae.proj.weight'].dtype).toBe('float32');
    expect(Array.from(w.vae!['vae.proj.bias'].data as Float32Array)).toEqual([0.5, -0.5]);
    // Re-exporting identical weights keeps measured metrics; other components stay as they were.
    await exportComponent({ dir, component: 'vae', tensors: weights(), architecture: arch, dtype: 'float16', base });
    expect(readDiffusionManifest(dir)!.components.vae!.metrics).toEqual({ psnr: 30 });
    expect(() => recordMetrics(dir, 'unet', { x: 1 })).toThrow(/no component unet/);
  });
});

describe('httpFetchBytes', () => {
  it('resolves files against the pack URL and turns HTTP errors into rejections', async () => {
    const seen: string[] = [];
    const fake = (async (url: URL) => {
      seen.push(url.toString());
      return url.pathname.endsWith('manifest.json') ? new Response(new Uint8Array([1, 2])) : new Response('no', { status: 404 });
    }) as unknown as typeof fetch;
    const get = httpFetchBytes('https://example.org/models/emoji-diffusion', fake);
    expect(Array.from(await get('manifest.json'))).toEqual([1, 2]);
    await expect(get('vae.safetensors')).rejects.toThrow(/HTTP 404 for vae.safetensors/);
    expect(seen[0]).toBe('https://example.org/models/emoji-diffusion/manifest.json');
  });
});
