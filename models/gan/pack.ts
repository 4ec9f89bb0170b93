// Loading a GAN (stylegan) model pack: the manifest, then each component's weights through the
// pack loader's checks (size, sha256, safetensors, every tensor's name and shape against the
// architecture), so a generator file for another config fails naming the first tensor that does
// not fit. The generator comes back as the g.* weights and w_avg, keyed as generatorGraph's inputs.
import type { Tensor } from '../../ml/index.ts';
import { CLIP_KIND, clipWeightShapes, configFromArchitecture } from '../evaluator/architecture.ts';
import type { ClipConfig } from '../evaluator/config.ts';
import { type FetchBytes, loadComponent, readPackManifest, requireFamily, type TensorSpec } from '../pack/load.ts';
import type { GanManifest } from '../pack/manifest.ts';
import type { TokenizerConfig } from '../text/tokenizer.ts';
import { GAN_GENERATOR_KIND, ganConfigFrom, generatorWeightShapes } from './architecture.ts';
import { encoderConfigFromArchitecture, encoderWeightShapes, GAN_ENCODER_KIND, type GanEncoderConfig } from './encoder.ts';
import type { GanConfig } from './config.ts';

export interface LoadedGanPack {
  manifest: GanManifest;
  config: GanConfig;
  /** Sub-category names in one-hot order (the 'class' input's columns). */
  classes: string[];
  /** The evaluator's text vocabulary (prompts for text directions and class choice). */
  tokenizer: TokenizerConfig;
  /** Every g.* weight and g.mapping.w_avg, float32. */
  generator: Record<string, Tensor>;
  /** The image → W+ encoder (models/gan/encoder.ts), when the pack has one. */
  encoder?: { config: GanEncoderConfig; weights: Record<string, Tensor> };
  /** The small CLIP the pack's metrics are measured with. */
  evaluator: { config: ClipConfig; weights: Record<string, Tensor> };
}

export interface LoadGanPackOptions {
  /** Load the pack's encoder when it has one (default true). */
  encoder?: boolean;
  /** Check sha256 of each weights file (default true). */
  verifyHash?: boolean;
  /** Who asks, for the error a pack of another family gives. */
  who?: string;
}

export async function loadGanPack(fetchBytes: FetchBytes, opts: LoadGanPackOptions = {}): Promise<LoadedGanPack> {
  const manifest = requireFamily(await readPackManifest(fetchBytes), 'stylegan', opts.who);
  const architectures: Record<string, TensorSpec> = { [GAN_GENERATOR_KIND]: generatorWeightShapes, [CLIP_KIND]: clipWeightShapes as TensorSpec, [GAN_ENCODER_KIND]: encoderWeightShapes };
  const load = { architectures, verifyHash: opts.verifyHash };
  const c = manifest.components;
  const generator = await loadComponent(fetchBytes, 'generator', c.generator, load);
  const evaluator = { config: configFromArchitecture(c.evaluator.architecture), weights: await loadComponent(fetchBytes, 'evaluator', c.evaluator, load) };
  const encoder =
    c.encoder && (opts.encoder ?? true) ? { config: encoderConfigFromArchitecture(c.encoder.architecture), weights: await loadComponent(fetchBytes, 'encoder', c.encoder, load) } : undefined;
  return { manifest, config: ganConfigFrom(c.generator.architecture), classes: [...manifest.classes], tokenizer: manifest.tokenizer, generator, ...(encoder ? { encoder } : {}), evaluator };
}
