// Loading an autoregressive (AR) model pack: the manifest (whose schema already checked that the
// pieces fit: tokenizer ↔ latent, transformer ↔ tokenizer and text encoder, vocabularies), then each
// component's weights through the pack loader's checks (size, sha256, safetensors, every tensor's
// name, dtype and shape against its architecture), so a file for another config fails naming the
// first tensor that does not fit. Weights come back float32, keyed as the graphs' inputs: 'tok.*'
// (tokenizer.ts), 'ar.*' (graphs.ts), 'text.*', 'vae.*' and the evaluator's.
import type { Tensor } from '../../ml/index.ts';
import { TEXT_ENCODER_KIND, textEncoderWeightShapes } from '../diffusion/architecture.ts';
import { type TextEncoderConfig, textEncoderConfigSchema } from '../diffusion/text-encoder.ts';
import { type VaeConfig, vaeConfigSchema, VAE_KIND, vaeWeightShapes } from '../diffusion/vae.ts';
import { CLIP_KIND, clipWeightShapes, configFromArchitecture } from '../evaluator/architecture.ts';
import type { ClipConfig } from '../evaluator/config.ts';
import { type FetchBytes, loadComponent, PackError, readPackManifest, requireFamily, type TensorSpec } from '../pack/load.ts';
import { AR_COMPONENTS, type ArComponentName, type ArManifest } from '../pack/manifest.ts';
import type { TokenizerConfig } from '../text/tokenizer.ts';
import { AR_TOKENIZER_KIND, AR_TRANSFORMER_KIND, arTransformerWeightShapes, tokenizerConfigFrom, tokenizerWeightShapes, transformerConfigFrom } from './architecture.ts';
import type { ArTokenizerConfig } from './config.ts';
import type { ArModelConfig } from './graphs.ts';

export interface LoadedArPack {
  manifest: ArManifest;
  /** The transformer and the text encoder its caption prefix comes from (ArSampler's model). */
  model: ArModelConfig;
  /** The caption tokenizer (the text encoder's and the evaluator's vocabulary). */
  tokenizer: TokenizerConfig;
  /** Multiplies the VAE's latent before the image tokenizer; divide its decoded latent by it before the VAE decoder. */
  scalingFactor: number;
  imageTokenizer?: { config: ArTokenizerConfig; weights: Record<string, Tensor> };
  /** 'ar.*' (the EMA weights the trainer kept). */
  transformer?: Record<string, Tensor>;
  /** 'text.*'. */
  textEncoder?: { config: TextEncoderConfig; weights: Record<string, Tensor> };
  vae?: { config: VaeConfig; weights: Record<string, Tensor> };
  evaluator?: { config: ClipConfig; weights: Record<string, Tensor> };
}

export interface LoadArPackOptions {
  /** Components to load (default all five); the manifest lists every one either way. */
  components?: readonly ArComponentName[];
  /** Check sha256 of each weights file (default true). */
  verifyHash?: boolean;
  /** Who asks, for the error a pack of another family gives. */
  who?: string;
}

const strip = ({ kind: _, ...rest }: { kind: string } & Record<string, unknown>) => rest;

export async function loadArPack(fetchBytes: FetchBytes, opts: LoadArPackOptions = {}): Promise<LoadedArPack> {
  const manifest = requireFamily(await readPackManifest(fetchBytes), 'autoregressive', opts.who);
  const c = manifest.components;
  // The transformer's shapes depend on the text encoder's config: bounded before anything is built.
  const parsed = textEncoderConfigSchema.safeParse(strip(c.textEncoder.architecture));
  if (!parsed.success) throw new PackError(`architecture config is invalid (${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')})`, 'textEncoder');
  const text = parsed.data;
  const architectures: Record<string, TensorSpec> = {
    [AR_TOKENIZER_KIND]: tokenizerWeightShapes,
    [AR_TRANSFORMER_KIND]: (arch) => arTransformerWeightShapes(arch, text),
    [TEXT_ENCODER_KIND]: textEncoderWeightShapes as TensorSpec,
    [VAE_KIND]: vaeWeightShapes,
    [CLIP_KIND]: clipWeightShapes as TensorSpec,
  };
  const load = { architectures, verifyHash: opts.verifyHash };
  const wanted = new Set(opts.components ?? AR_COMPONENTS);
  const weights = async (name: ArComponentName) => (wanted.has(name) ? await loadComponent(fetchBytes, name, c[name], load) : undefined);
  const out: LoadedArPack = {
    manifest,
    model: { transformer: transformerConfigFrom(c.transformer.architecture), text },
    tokenizer: manifest.tokenizer,
    scalingFactor: manifest.latent.scalingFactor,
  };
  const tok = await weights('imageTokenizer');
  if (tok) out.imageTokenizer = { config: tokenizerConfigFrom(c.imageTokenizer.architecture), weights: tok };
  out.transformer = await weights('transformer');
  const te = await weights('textEncoder');
  if (te) out.textEncoder = { config: text, weights: te };
  const vae = await weights('vae');
  if (vae) out.vae = { config: vaeConfigSchema.parse(c.vae.architecture), weights: vae };
  const ev = await weights('evaluator');
  if (ev) out.evaluator = { config: configFromArchitecture(c.evaluator.architecture), weights: ev };
  return out;
}
