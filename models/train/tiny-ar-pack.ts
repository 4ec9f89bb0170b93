// An AR pack that proves the wiring, not the training: a tiny image tokenizer (FSQ [4, 4], 16 codes
// on an 8×8 grid over a 4×16×16 latent) and a tiny transformer with seeded random weights, beside
// the tiny diffusion pack's text encoder, VAE and evaluator (copied as exportArPack copies the real
// ones). Everything the AR operations touch runs in a blink; its images are noise. Tests of the AR
// model, the nodes and the example graphs use it where the trained pack is not wanted or not there.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GraphBuilder } from '../../ml/index.ts';
import { arLoraLayers, arTokenizerArchitecture, arTransformerArchitecture } from '../ar/architecture.ts';
import { arTokenizerConfigSchema } from '../ar/config.ts';
import { arModelConfigSchema, transformerWeightShapes, arLogitsGraph } from '../ar/graphs.ts';
import { tokenizerModules } from '../ar/tokenizer.ts';
import { textEncoderConfigSchema } from '../diffusion/text-encoder.ts';
import { writeTinyPack } from '../personalize/tiny-pack.ts';
import type { ArManifest, ComponentEntry } from '../pack/manifest.ts';
import { writeManifest, writeWeightsFile } from '../pack/write.ts';

export interface TinyArPackOptions {
  /** Seed of the tokenizer's and the transformer's weights (the copied components keep the tiny diffusion pack's seed 1). */
  seed?: number;
  name?: string;
  /** Transformer depth (default 2): another depth makes a pack whose adapters do not fit this one's. */
  layers?: number;
}

export async function writeTinyArPack(dir: string, opts: TinyArPackOptions = {}): Promise<void> {
  const seed = opts.seed ?? 1;
  const from = mkdtempSync(join(tmpdir(), 'tiny-ar-diffusion-'));
  mkdirSync(dir, { recursive: true });
  try {
    const diffusion = await writeTinyPack(from, { seed: 1, without: ['unet', 'conceptEncoder'] });
    const dc = diffusion.components;
    const copy = (e: ComponentEntry | undefined, what: string): ComponentEntry => {
      if (!e) throw new Error(`tiny AR pack: the tiny diffusion pack has no ${what}`);
      copyFileSync(join(from, e.weights), join(dir, e.weights));
      return e;
    };
    const { kind: _, ...text } = dc.textEncoder!.architecture as { kind: string };
    const l = diffusion.latent;
    const tokenizer = arTokenizerConfigSchema.parse({ latentChannels: l.channels, latentSide: l.height, channels: [8, 8], blocks: [0, 1], groups: 4, quantizer: { kind: 'fsq', levels: [4, 4] }, seed });
    const textConfig = textEncoderConfigSchema.parse(text);
    const model = arModelConfigSchema.parse({
      transformer: { codebookSize: 16, gridSize: tokenizer.latentSide / 2, width: 16, layers: opts.layers ?? 2, heads: 2, mlpRatio: 2, prefixLength: textConfig.maxLength, textDim: textConfig.dim },
      text: textConfig,
    });
    const all = arLogitsGraph(model, 1, { seed, caption: 'context' }).p.initial();
    const transformer = Object.fromEntries(Object.keys(transformerWeightShapes(model)).map((k) => [k, all[k]]));
    const recipe = { steps: 0, batch: 1, lr: 1e-3, optimizer: 'none (untrained)', wallTimeSeconds: 0, threads: 1, data: 'none', seed };
    const copies = { textEncoder: copy(dc.textEncoder, 'text encoder'), vae: copy(dc.vae, 'VAE'), evaluator: copy(dc.evaluator, 'evaluator') };
    const m: ArManifest = {
      schemaVersion: 1,
      name: opts.name ?? 'tiny-ar-pack',
      family: 'autoregressive',
      description: 'A tiny randomly initialised AR pack for tests; it generates noise.',
      resolution: diffusion.resolution,
      background: diffusion.background,
      latent: l,
      tokenizer: diffusion.tokenizer,
      inversionSpaces: ['tokens', 'token-embedding', 'weights', 'prefix'],
      lora: [{ component: 'transformer', kind: 'attention', layers: arLoraLayers(model.transformer) }],
      license: diffusion.license,
      dataset: diffusion.dataset,
      components: {
        imageTokenizer: { ...(await writeWeightsFile(dir, 'imageTokenizer', tokenizerModules(tokenizer, new GraphBuilder('tiny')).p.initial())), architecture: arTokenizerArchitecture(tokenizer), recipe },
        transformer: { ...(await writeWeightsFile(dir, 'transformer', transformer)), architecture: arTransformerArchitecture(model.transformer), recipe },
        ...copies,
      },
    };
    writeManifest(dir, m);
  } finally {
    rmSync(from, { recursive: true, force: true });
  }
}
