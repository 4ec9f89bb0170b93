// The AR pack in memory: a tiny image tokenizer and transformer with the built-in diffusion pack's
// text encoder, VAE and evaluator files, served like fetch would. loadArPack returns what sampling
// and decoding need, and every way the pack can be wrong (the other family, a wrong kind, pieces
// that do not fit together, weights of another shape, a replaced file) is a PackError that says which.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GraphBuilder, Params, type Tensor, writeSafetensors } from '../../ml/index.ts';
import { nodeBackend } from '../../ml/session/node.ts';
import { loadGanPack } from '../gan/pack.ts';
import { type FetchBytes, loadPack, PackError, readManifestFamily, sha256Hex } from '../pack/load.ts';
import type { ArManifest, ComponentEntry } from '../pack/manifest.ts';
import { EMOJI_PACK_DIR, readDiffusionManifest } from '../pack/write.ts';
import { Tokenizer } from '../text/tokenizer.ts';
import { arLoraLayers, arTokenizerArchitecture, arTransformerArchitecture } from './architecture.ts';
import { type ArTokenizerConfig, arTokenizerConfigSchema } from './config.ts';
import { type ArModelConfig, arLogitsGraph } from './graphs.ts';
import { loadArPack } from './pack.ts';
import { ArSampler } from './sample.ts';
import { tokenizerModules } from './tokenizer.ts';
import { TokenizerSession } from './tokenizer-session.ts';
import { arTransformerConfigSchema, type ArTransformerConfig } from './transformer-config.ts';

const diffusion = readDiffusionManifest(EMOJI_PACK_DIR)!;
const copies = { textEncoder: diffusion.components.textEncoder!, vae: diffusion.components.vae!, evaluator: diffusion.components.evaluator! };
const copyBytes = new Map(Object.values(copies).map((e) => [e.weights, new Uint8Array(readFileSync(join(EMOJI_PACK_DIR, e.weights)))]));
const { kind: _kind, ...textConfig } = copies.textEncoder.architecture as { kind: string } & ArModelConfig['text'];

const tinyTokenizer = (over: Record<string, unknown> = {}): ArTokenizerConfig =>
  arTokenizerConfigSchema.parse({ channels: [4, 8], blocks: [0, 1], groups: 4, quantizer: { kind: 'fsq', levels: [3, 3] }, ...over });
const tinyTransformer = (over: Partial<ArTransformerConfig> = {}): ArTransformerConfig =>
  arTransformerConfigSchema.parse({ codebookSize: 9, gridSize: 8, width: 16, layers: 1, heads: 2, mlpRatio: 2, prefixLength: textConfig.maxLength, textDim: textConfig.dim, ...over });

function transformerWeights(c: ArTransformerConfig, seed = 2): Record<string, Tensor> {
  const all = arLogitsGraph({ transformer: c, text: textConfig }, 1, { seed, caption: 'context' }).p.initial();
  return Object.fromEntries(Object.entries(all).filter(([n]) => n.startsWith('ar.')));
}

const tokenizerWeights = (c: ArTokenizerConfig) => tokenizerModules(c, new GraphBuilder('t')).p.initial();

async function entry<A extends ComponentEntry['architecture']>(files: Map<string, Uint8Array>, file: string, w: Record<string, Tensor>, architecture: A) {
  const bytes = writeSafetensors(w);
  files.set(file, bytes);
  return { weights: file, sha256: await sha256Hex(bytes), bytes: bytes.byteLength, dtype: 'float32' as const, parameters: Object.values(w).reduce((s, t) => s + t.data.length, 0), architecture };
}

async function arPack(change?: (m: ArManifest, files: Map<string, Uint8Array>) => void | Promise<void>): Promise<FetchBytes> {
  const files = new Map(copyBytes);
  const [tok, tr] = [tinyTokenizer(), tinyTransformer()];
  const m: ArManifest = {
    schemaVersion: 1,
    name: 'tiny-ar',
    family: 'autoregressive',
    description: 'test pack',
    resolution: { width: 64, height: 64, channels: 3 },
    background: 'white',
    latent: diffusion.latent,
    tokenizer: structuredClone(diffusion.tokenizer),
    inversionSpaces: ['tokens', 'token-embedding', 'weights', 'prefix'],
    lora: [{ component: 'transformer', kind: 'attention', layers: arLoraLayers(tr) }],
    license: structuredClone(diffusion.license),
    dataset: { description: 'none', heldOutConcepts: [] },
    components: {
      imageTokenizer: await entry(files, 'image-tokenizer.safetensors', tokenizerWeights(tok), arTokenizerArchitecture(tok)),
      transformer: await entry(files, 'transformer.safetensors', transformerWeights(tr), arTransformerArchitecture(tr)),
      // Copies: a case may change them.
      ...structuredClone(copies),
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

async function refusal(p: Promise<unknown>): Promise<PackError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(PackError);
  return e as PackError;
}

describe('loadArPack', () => {
  it('reads every component back, and what it loads samples and decodes', async () => {
    const fetch = await arPack();
    expect(await readManifestFamily(fetch)).toBe('autoregressive');
    const pack = await loadArPack(fetch);
    expect(pack.model).toEqual({ transformer: tinyTransformer(), text: textConfig });
    expect(pack.imageTokenizer!.config).toEqual(tinyTokenizer());
    expect(pack.transformer).toEqual(transformerWeights(tinyTransformer()));
    expect(pack.scalingFactor).toBe(diffusion.latent.scalingFactor);
    expect(Object.keys(pack.textEncoder!.weights).every((n) => n.startsWith('text.'))).toBe(true);
    expect(Object.keys(pack.vae!.weights).every((n) => n.startsWith('vae.'))).toBe(true);
    expect(pack.evaluator!.config.vocabSize).toBe(diffusion.tokenizer.vocab.length);
    // Every LoRA target is a linear layer of the transformer.
    for (const l of pack.manifest.lora[0].layers) expect(pack.transformer![`${l}.weight`]?.shape, l).toEqual([16, 16]);

    const sampler = ArSampler.create(pack.model, { ...pack.transformer, ...pack.textEncoder!.weights }, { backend: nodeBackend });
    const captions = new Tokenizer(pack.tokenizer);
    const { tokens } = await sampler.sample([captions.encode('red heart, noto style').ids], { seed: 1, temperature: 1 }).finally(() => sampler.release());
    expect(tokens.length).toBe(64);
    expect(tokens.every((t) => t >= 0 && t < 9)).toBe(true);
    const tok = new TokenizerSession(pack.imageTokenizer!.config, pack.imageTokenizer!.weights, { backend: nodeBackend, batch: 1 });
    const latent = await tok.decode(tokens, 1).finally(() => tok.release());
    expect(latent.length).toBe(4 * 16 * 16);
    expect(latent.every(Number.isFinite)).toBe(true);

    const some = await loadArPack(fetch, { components: ['transformer'] });
    expect(some.transformer).toBeDefined();
    expect(some.imageTokenizer).toBeUndefined();
    expect(some.vae).toBeUndefined();
  }, 30_000);

  it('says which family a pack is when another loader is asked', async () => {
    const fetch = await arPack();
    expect((await refusal(loadGanPack(fetch, { who: 'this node' }))).message).toMatch(/this node needs a GAN \(stylegan\) pack; "tiny-ar" is an AR \(autoregressive\) pack/);
    expect((await refusal(loadPack(fetch, { architectures: {} }))).message).toMatch(/needs a diffusion \(latent-diffusion\) pack|a diffusion \(latent-diffusion\) pack is needed here/);
    const diffusionFetch: FetchBytes = async (f) => new Uint8Array(readFileSync(join(EMOJI_PACK_DIR, f)));
    expect((await refusal(loadArPack(diffusionFetch))).message).toMatch(/an AR \(autoregressive\) pack is needed here; "emoji-diffusion" is a diffusion/);
  });

  it('refuses wrong kinds and pieces that do not fit together, naming them', async () => {
    // The figures of the diffusion pack the test pack copies its text encoder from.
    const width = diffusion.components.textEncoder!.architecture.dim;
    const words = diffusion.tokenizer.vocab.length;
    const cases: [string, (m: ArManifest) => void, RegExp][] = [
      ['transformer kind', (m) => ((m.components.transformer.architecture as { kind: string }).kind = 'ar-transformer-v2'), /components\.transformer\.architecture\.kind/],
      ['tokenizer kind', (m) => ((m.components.imageTokenizer.architecture as { kind: string }).kind = 'fsq-tokenizer-v9'), /components\.imageTokenizer\.architecture\.kind/],
      ['VAE kind', (m) => (m.components.vae.architecture.kind = 'vq-vae'), /components\.vae\.architecture\.kind/],
      ['codebook', (m) => (m.components.transformer.architecture.codebookSize = 10), /a transformer over 8×8 grids of 10 codes does not fit the tokenizer's 8×8 grids of 9 codes/],
      ['grid', (m) => (m.components.transformer.architecture.gridSize = 4), /does not fit the tokenizer's 8×8 grids/],
      ['prefix', (m) => (m.components.transformer.architecture.prefixLength = 8), new RegExp(`caption prefix of \\[8, ${width}\\], but the text encoder gives \\[20, ${width}\\]`)],
      ['latent', (m) => (m.components.imageTokenizer.architecture.latentSide = 8), /a tokenizer of 4×8×8 latents does not read the pack's 4×16×16 latent/],
      ['groups', (m) => (m.components.imageTokenizer.architecture.groups = 3), /4 channels are not divisible into 3 groups/],
      ['hostile size', (m) => (m.components.transformer.architecture.width = 1e9), /components\.transformer\.architecture\.width/],
      ['unknown field', (m) => ((m.components.transformer.architecture as Record<string, unknown>).depth = 3), /components\.transformer\.architecture/],
      ['heads', (m) => (m.components.transformer.architecture.heads = 3), /width 16 is not divisible by 3 heads/],
      ['vocabulary', (m) => (m.tokenizer = { ...m.tokenizer, vocab: m.tokenizer.vocab.slice(0, -1) }), new RegExp(`${words - 1} words for a textEncoder that reads ${words}`)],
      ['LoRA target', (m) => ((m.lora[0] as { component: string }).component = 'unet'), /lora\.0\.component/],
      ['inversion space', (m) => ((m.inversionSpaces as string[]).push('w+')), /inversionSpaces\.4/],
      ['missing component', (m) => delete (m.components as Partial<ArManifest['components']>).vae, /components\.vae/],
    ];
    for (const [what, change, message] of cases) {
      const e = await refusal(loadArPack(await arPack(change)));
      expect(e.message, what).toMatch(/manifest\.json does not match the schema/);
      expect(e.message, what).toMatch(message);
    }
  });

  it('refuses weights of another shape and a replaced file, naming the component and tensor', async () => {
    // A transformer twice as wide as its file.
    const wide = await refusal(
      loadArPack(
        await arPack((m) => {
          m.components.transformer.architecture.width = 32;
        }),
      ),
    );
    expect(wide.message).toMatch(/component "transformer", tensor "ar\.[^"]+": has shape \[\d+(,\d+)*\], the architecture needs \[\d+(,\d+)*\]/);
    expect(wide.message).toContain('32');
    // A tokenizer file written for other channels.
    const other = await refusal(
      loadArPack(
        await arPack(async (m, files) => {
          const c = tinyTokenizer({ channels: [8, 8] });
          m.components.imageTokenizer = { ...(await entry(files, 'image-tokenizer.safetensors', tokenizerWeights(c), arTokenizerArchitecture(c))), architecture: arTokenizerArchitecture(tinyTokenizer()) };
        }),
      ),
    );
    expect(other.message).toMatch(/component "imageTokenizer", tensor "tok\.encoder\.[^"]+": has shape/);
    // The same size, other bytes.
    const swapped = await refusal(
      loadArPack(
        await arPack((_, files) => {
          const b = files.get('transformer.safetensors')!.slice();
          b[b.length - 1] ^= 1;
          files.set('transformer.safetensors', b);
        }),
      ),
    );
    expect(swapped.message).toMatch(/component "transformer": weights file transformer\.safetensors does not match its sha256/);
  });
});
