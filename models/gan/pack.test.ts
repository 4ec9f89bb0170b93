// The GAN pack in memory: a tiny generator's weights and the built-in evaluator's file, served like
// fetch would. loadGanPack returns what the sampler needs, and every way a pack can be wrong (the
// other family, a generator file of another config, a hostile config, classes that do not match)
// is a PackError that says which.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { f32, GraphBuilder, Params, type Tensor, writeSafetensors } from '../../ml/index.ts';
import { nodeBackend } from '../../ml/session/node.ts';
import { type FetchBytes, loadPack, PackError, readManifestFamily, sha256Hex } from '../pack/load.ts';
import type { GanManifest } from '../pack/manifest.ts';
import { EMOJI_PACK_DIR, fileFetchBytes, readDiffusionManifest } from '../pack/write.ts';
import { ganGeneratorArchitecture, ganLoraLayers } from './architecture.ts';
import { ENCODER_PREFIX, encoderConfigFor, GAN_ENCODER_KIND, ganEncoderArchitecture, GanEncoder } from './encoder.ts';
import { type GanConfig, ganConfigSchema } from './config.ts';
import { Generator } from './generator.ts';
import { loadGanPack } from './pack.ts';
import { GanSampler } from './sampler.ts';

const tiny = (over: Partial<GanConfig> = {}) => ganConfigSchema.parse({ resolution: 8, zDim: 4, wDim: 4, mappingLayers: 1, classes: 2, channels: [4, 4], dChannels: [4, 4], ...over });

function generatorWeights(c: GanConfig, seed = 3): Record<string, Tensor> {
  const p = new Params(new GraphBuilder('t'), { seed });
  new Generator(p, 'g', c);
  return { ...p.initial(), 'g.mapping.w_avg': f32([c.wDim], new Float32Array(c.wDim).fill(0.1)) };
}

const diffusion = readDiffusionManifest(EMOJI_PACK_DIR)!;
const evaluatorEntry = diffusion.components.evaluator!;
const evaluatorBytes = new Uint8Array(readFileSync(join(EMOJI_PACK_DIR, evaluatorEntry.weights)));

async function ganPack(change?: (m: GanManifest, files: Map<string, Uint8Array>) => void | Promise<void>, c = tiny()): Promise<FetchBytes> {
  const files = new Map<string, Uint8Array>([['evaluator.safetensors', evaluatorBytes]]);
  const bytes = writeSafetensors(generatorWeights(c));
  files.set('generator.safetensors', bytes);
  const w = generatorWeights(c);
  const m: GanManifest = {
    schemaVersion: 1,
    name: 'tiny-gan',
    family: 'stylegan',
    description: 'test pack',
    resolution: { width: 8, height: 8, channels: 3 },
    background: 'white',
    classes: ['cats', 'dogs'],
    tokenizer: diffusion.tokenizer,
    inversionSpaces: ['z', 'w', 'w+', 's', 'f', 'weights'],
    lora: [{ component: 'generator', kind: 'conv', layers: ganLoraLayers(c) }],
    license: { weights: 'CC0-1.0', data: [{ name: 'none', author: 'none', license: 'CC0-1.0', url: 'https://example.org/' }], attribution: 'none' },
    dataset: { description: 'none', heldOutConcepts: [] },
    components: {
      generator: { weights: 'generator.safetensors', sha256: await sha256Hex(bytes), bytes: bytes.byteLength, dtype: 'float32', parameters: Object.values(w).reduce((s, t) => s + t.data.length, 0), architecture: ganGeneratorArchitecture(c) },
      evaluator: evaluatorEntry,
    },
  };
  await change?.(m, files);
  files.set('manifest.json', new TextEncoder().encode(JSON.stringify(m)));
  return async (f) => {
    const b = files.get(f);
    if (!b) throw new Error(`404 ${f}`);
    return b;
  };
}

/** Adds a small encoder (file and entry) for the tiny generator. */
const withEncoder = async (m: GanManifest, files: Map<string, Uint8Array>) => {
  const config = encoderConfigFor(tiny(), { channels: [4, 4, 4], groups: 2, squeeze: [2, 2, 2], hidden: 4 });
  const p = new Params(new GraphBuilder('enc'));
  new GanEncoder(p, ENCODER_PREFIX, config);
  const w = p.initial();
  const bytes = writeSafetensors(w);
  files.set('encoder.safetensors', bytes);
  const parameters = Object.values(w).reduce((s, t) => s + t.data.length, 0);
  m.components.encoder = { weights: 'encoder.safetensors', sha256: await sha256Hex(bytes), bytes: bytes.byteLength, dtype: 'float32', parameters, architecture: { ...ganEncoderArchitecture(config), kind: GAN_ENCODER_KIND } };
};

/** Replaces generator.safetensors (and its entry's size and hash) with these tensors. */
const withGenerator = (w: Record<string, Tensor>) => async (m: GanManifest, files: Map<string, Uint8Array>) => {
  const bytes = writeSafetensors(w);
  files.set('generator.safetensors', bytes);
  Object.assign(m.components.generator, { bytes: bytes.byteLength, sha256: await sha256Hex(bytes) });
};

const reject = async (p: Promise<unknown>, pattern: RegExp) => {
  const err = await p.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(PackError);
  expect((err as Error).message).toMatch(pattern);
};

describe('loadGanPack', () => {
  it('returns the config, classes, generator weights with w_avg and the evaluator, and the sampler draws from them', async () => {
    const pack = await loadGanPack(await ganPack());
    expect(pack.config).toEqual(tiny());
    expect(pack.classes).toEqual(['cats', 'dogs']);
    expect(Object.keys(pack.generator).sort()).toEqual(Object.keys(generatorWeights(tiny())).sort());
    expect(Array.from(pack.generator['g.mapping.w_avg'].data as Float32Array)).toEqual([0.1, 0.1, 0.1, 0.1].map(Math.fround));
    expect(pack.evaluator.config.embedDim).toBe(evaluatorEntry.architecture.embedDim as number);
    expect(pack.tokenizer).toEqual(diffusion.tokenizer);
    expect(pack.encoder).toBeUndefined();
    const sampler = await GanSampler.create(pack.config, pack.generator, { backend: nodeBackend, batch: 2 });
    try {
      // An image depends on its seed and class only, not on the batch it was drawn in.
      const three = await sampler.render([{ seed: 1, cls: 0 }, { seed: 2, cls: 1 }, { seed: 1, cls: 1 }]);
      const alone = await sampler.render([{ seed: 2, cls: 1 }]);
      const per = 3 * 8 * 8;
      expect(alone).toEqual(three.subarray(per, 2 * per));
      expect(three.subarray(0, per)).not.toEqual(three.subarray(2 * per, 3 * per));
      expect(three.every(Number.isFinite)).toBe(true);
    } finally {
      await sampler.release();
    }
  });

  it('loads the encoder when the pack has one, bounded and fitted to the generator', async () => {
    const pack = await loadGanPack(await ganPack(withEncoder));
    expect(pack.encoder?.config).toMatchObject({ resolution: 8, numWs: 4, wDim: 4, channels: [4, 4, 4] });
    expect(Object.keys(pack.encoder!.weights).length).toBeGreaterThan(0);
    expect((await loadGanPack(await ganPack(withEncoder), { encoder: false })).encoder).toBeUndefined();
    const change = (f: (arch: Record<string, unknown>) => void) => async (m: GanManifest, files: Map<string, Uint8Array>) => {
      await withEncoder(m, files);
      f(m.components.encoder!.architecture);
    };
    await reject(loadGanPack(await ganPack(change((a) => void (a.channels = [4096, 4, 4])))), /components\.encoder\.architecture\.channels\.0/);
    await reject(loadGanPack(await ganPack(change((a) => void (a.wDim = 6)))), /W\+ \[N, 4, 6\] does not fit the generator \(8 px, W\+ \[N, 4, 4\]\)/);
  });

  it('tells the families apart', async () => {
    expect(await readManifestFamily(await ganPack())).toBe('stylegan');
    expect(await readManifestFamily(fileFetchBytes(EMOJI_PACK_DIR))).toBe('latent-diffusion');
    await reject(loadPack(await ganPack(), { architectures: {}, who: 'this node' }), /this node needs a diffusion \(latent-diffusion\) pack; "tiny-gan" is a GAN \(stylegan\) pack/);
    await reject(loadGanPack(fileFetchBytes(EMOJI_PACK_DIR)), /a GAN \(stylegan\) pack is needed here; "emoji-diffusion" is a diffusion \(latent-diffusion\) pack/);
    await reject(loadGanPack(await ganPack((m) => void ((m as { family: string }).family = 'vq-gan'))), /family: "vq-gan" is not a family this app knows/);
  });

  it('names the first tensor of a generator file made for another config', async () => {
    await reject(loadGanPack(await ganPack(withGenerator(generatorWeights(tiny({ wDim: 6 }))))), /component "generator", tensor "g\.mapping\.embed\.weight": has shape \[6,2\], the architecture needs \[4,2\]/);
    const { 'g.mapping.w_avg': _, ...noAvg } = generatorWeights(tiny());
    await reject(loadGanPack(await ganPack(withGenerator(noAvg))), /tensor "g\.mapping\.w_avg": missing from generator\.safetensors/);
    await reject(loadGanPack(await ganPack((m) => void (m.components.evaluator.sha256 = '0'.repeat(64)))), /component "evaluator".*sha256/);
  });

  it('refuses a manifest whose generator is too large, or whose classes or size disagree with it', async () => {
    await reject(loadGanPack(await ganPack((m) => void (m.components.generator.architecture.channels = [5000, 4]))), /components\.generator\.architecture\.channels\.0/);
    await reject(loadGanPack(await ganPack((m) => void (m.components.generator.architecture.resolution = 2048))), /architecture\.resolution/);
    await reject(loadGanPack(await ganPack((m) => void m.classes.push('birds'))), /classes: 3 class names for a generator conditioned on 2 classes/);
    await reject(loadGanPack(await ganPack((m) => void (m.resolution.width = 16))), /resolution: 16×8×3 is not the generator's 8×8×3/);
    const words = diffusion.tokenizer.vocab.length;
    await reject(loadGanPack(await ganPack((m) => void (m.tokenizer = { ...m.tokenizer, vocab: m.tokenizer.vocab.slice(0, -1) }))), new RegExp(`tokenizer\\.vocab: ${words - 1} words for an evaluator whose text tower reads ${words}`));
    await reject(loadGanPack(await ganPack((m) => void ((m.components.generator.architecture as { kind: string }).kind = 'stylegan3'))), /architecture\.kind/);
  });
});
