// A tiny (or full-sized), randomly initialised diffusion pack written to a folder with the ordinary pack writer:
// every component the app loads (VAE, text encoder, UNet, evaluator, concept encoder), the same
// manifest schema and checks, at sizes that build and run in a blink. Tests and the example-graph
// runner use it so that nothing depends on training having finished; its images are noise.
import { textEncoderArchitecture, unetArchitecture } from '../diffusion/architecture.ts';
import { diffusionConfigSchema, trainingGraph } from '../diffusion/graphs.ts';
import { VAE_CONFIG, type VaeConfig, vaeParams } from '../diffusion/vae.ts';
import { clipArchitecture } from '../evaluator/architecture.ts';
import { buildTrainingGraph } from '../evaluator/clip.ts';
import { clipConfig } from '../evaluator/config.ts';
import type { DiffusionManifest } from '../pack/manifest.ts';
import { exportComponent } from '../pack/write.ts';
import { buildTokenizerConfig } from '../text/tokenizer.ts';
import { DENOISER_DEFAULTS } from '../train/denoiser.train.ts';
import { conceptEncoderArchitecture, conceptEncoderConfigSchema, conceptEncoderGraph } from './concept-encoder.ts';

const WORDS = ['a', 'an', 'emoji', 'of', 'in', 'the', 'snow', 'on', 'beach', 'twemoji', 'noto', 'style', 'cat', 'dog', 'face', 'red', 'blue', 'photo', ','];

export interface TinyPackOptions {
  /** Seed of every component's initial weights. */
  seed?: number;
  /** Components to leave out (e.g. to test a pack that lacks its denoiser). */
  without?: readonly ('vae' | 'textEncoder' | 'unet' | 'evaluator' | 'conceptEncoder')[];
  name?: string;
  /**
   * 'tiny' (default) builds in a blink; 'full' has the built-in pack's architectures (random
   * weights), for timing what the trained pack will cost before its training has finished.
   */
  size?: 'tiny' | 'full';
}

export async function writeTinyPack(dir: string, opts: TinyPackOptions = {}): Promise<DiffusionManifest> {
  const seed = opts.seed ?? 1;
  const skip = new Set(opts.without ?? []);
  const full = opts.size === 'full';
  const tokenizer = buildTokenizerConfig([WORDS.join(' ')], { maxLength: full ? 20 : 8, placeholders: 4 });
  let manifest!: DiffusionManifest;
  const base = (): DiffusionManifest => ({
    schemaVersion: 1,
    name: opts.name ?? 'tiny-test-pack',
    family: 'latent-diffusion',
    description: 'A tiny randomly initialised pack for tests; it generates noise.',
    resolution: { width: 64, height: 64, channels: 3 },
    background: 'white',
    latent: { channels: 4, height: 16, width: 16, scalingFactor: 1 },
    tokenizer,
    inversionSpaces: ['noise', 'text-embedding', 'weights', 'latent'],
    lora: [],
    license: { weights: 'CC0-1.0', data: [{ name: 'none', author: 'none', license: 'CC0-1.0', url: 'https://example.org/' }], attribution: 'random weights' },
    dataset: { description: 'none', heldOutConcepts: [] },
    components: {},
  });
  const write = async (component: Parameters<typeof exportComponent>[0]['component'], tensors: Parameters<typeof exportComponent>[0]['tensors'], architecture: { kind: string }) => {
    if (skip.has(component as never)) return;
    await exportComponent({ dir, component, tensors, architecture, base, patch: (m) => void (manifest = m) });
  };

  const vae: VaeConfig = full ? { ...VAE_CONFIG, seed } : { kind: 'kl-vae-v1', resolution: 64, imageChannels: 3, latentChannels: 4, channels: [8, 8, 8], groups: 4, seed };
  await write('vae', vaeParams(vae).p.initial(), vae);

  const D = DENOISER_DEFAULTS;
  const diffusion = diffusionConfigSchema.parse(
    full
      ? { text: { vocabSize: tokenizer.vocab.length, maxLength: 20, ...D.text }, unet: { ...D.unet, contextDim: D.text.dim, heads: D.text.heads, latentSize: 16 } }
      : {
          text: { vocabSize: tokenizer.vocab.length, maxLength: tokenizer.maxLength, dim: 16, layers: 1, heads: 2 },
          unet: { channels: [8, 16], attention: [false, true], groups: 4, contextDim: 16, heads: 2, latentSize: 16 },
        },
  );
  const w = trainingGraph(diffusion, 1, { seed }).p.initial();
  const part = (prefix: string) => Object.fromEntries(Object.entries(w).filter(([k]) => k.startsWith(prefix)));
  await write('textEncoder', part('text.'), textEncoderArchitecture(diffusion.text));
  await write('unet', part('unet.'), unetArchitecture(diffusion.unet));

  const clip = full
    ? clipConfig({ vocabSize: tokenizer.vocab.length, maxLength: tokenizer.maxLength, padId: 0 })
    : clipConfig({ imageSize: 64, channels: [8, 8, 8, 8], blocks: [0, 0, 0, 0], groups: 4, embedDim: 16, vocabSize: tokenizer.vocab.length, maxLength: tokenizer.maxLength, padId: 0, textDim: 16, textLayers: 1, textHeads: 2 });
  await write('evaluator', buildTrainingGraph(clip, 1, seed).params.initial(), clipArchitecture(clip));

  const concept = conceptEncoderConfigSchema.parse(full ? { embedDim: diffusion.text.dim } : { channels: [8, 8], groups: 4, hidden: 16, embedDim: 16 });
  await write('conceptEncoder', conceptEncoderGraph(concept, 1, seed).p.initial(), conceptEncoderArchitecture(concept));
  return manifest;
}
