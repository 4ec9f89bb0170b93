// The nodes that work on any model family (Latent Optimizer, LoRA Trainer, Decoder, Sampler,
// Encoder Inversion, Latent Edit, Metrics, AR Sampler, Likelihood) ask here what the family behind
// a model reference does for them. A family answers with its own run code per node, or leaves a
// node out, and the node then says what this model does not offer. The node itself never asks
// which family it holds: the reference does (an imported ONNX model, or the family a pack's
// manifest names).
import type { z } from 'zod';
import type { ModelRef, NodeSpec, OutputValues, Platform, RunContext } from '../../runtime/index.ts';
import type decoderSpec from '../decoder.ts';
import type encoderInversionSpec from '../encoder-inversion.ts';
import type latentEditSpec from '../latent-edit.ts';
import type latentOptimizerSpec from '../latent-optimizer.ts';
import type loraTrainerSpec from '../lora-trainer.ts';
import type metricsSpec from '../metrics.ts';
import type samplerSpec from '../sampler.ts';
import type arSamplerSpec from '../ar-sampler.ts';
import type likelihoodSpec from '../likelihood.ts';
import { arFamily, clearArCache } from './ar-nodes.ts';
import { diffusionFamily } from './diffusion-nodes.ts';
import { clearGanCache, ganFamily } from './gan-nodes.ts';
import { clearModelCache, packFamily } from './model-cache.ts';
import { onnxFamily } from './onnx-nodes.ts';

/** A node's run context and outputs, from its declaration. */
export type Ctx<S> = S extends NodeSpec<infer I, infer _O, infer P> ? RunContext<I, z.output<P>> : never;
export type Out<S> = S extends NodeSpec<infer _I, infer O, infer _P> ? OutputValues<O> : never;
type Run<S> = (ctx: Ctx<S>) => Promise<Out<S>>;

export interface FamilyNodes {
  latentOptimizer?: Run<typeof latentOptimizerSpec>;
  loraTrainer?: Run<typeof loraTrainerSpec>;
  decoder?: Run<typeof decoderSpec>;
  sampler?: Run<typeof samplerSpec>;
  encoderInversion?: Run<typeof encoderInversionSpec>;
  latentEdit?: Run<typeof latentEditSpec>;
  metrics?: Run<typeof metricsSpec>;
  /** The AR Sampler: token-by-token drawing with its filters, masked regeneration and reveal. */
  tokenSampler?: Run<typeof arSamplerSpec>;
  likelihood?: Run<typeof likelihoodSpec>;
}

/** What each node is called in an error that says a model does not offer it. */
const OFFERS: Record<keyof FamilyNodes, string> = {
  latentOptimizer: 'optimization-based inversion',
  loraTrainer: 'LoRA tuning',
  decoder: 'decoding',
  sampler: 'sampling',
  encoderInversion: 'encoder inversion',
  latentEdit: 'latent editing directions',
  metrics: 'evaluator to score images with',
  tokenSampler: 'token-by-token sampling (it has no token grids)',
  likelihood: 'per-token likelihood (it has no token grids)',
};

export interface Family {
  /** The family's name as the framework names it ('diffusion', 'GAN', 'AR', 'imported ONNX'), for messages. */
  kind: string;
  /** Loads what the reference names and checks its LoRA files and added words against it. */
  load(ref: ModelRef, platform: Platform, signal: AbortSignal): Promise<void>;
  nodes: FamilyNodes;
}

/** A pack's family, as its manifest names it, → what that family does for the nodes. */
const PACK_FAMILIES: Record<string, Family> = {
  'latent-diffusion': diffusionFamily,
  stylegan: ganFamily,
  autoregressive: arFamily,
};
const IMPORTED: Family = onnxFamily;

export async function familyFor(ref: ModelRef, platform: Platform, signal: AbortSignal): Promise<Family> {
  if (ref.onnx) return IMPORTED;
  const name = await packFamily(ref.pack, platform, signal);
  const family = PACK_FAMILIES[name];
  if (!family) throw new Error(`"${ref.pack}" is a ${name} pack, a family this version cannot run (it runs ${Object.keys(PACK_FAMILIES).join(', ')})`);
  return family;
}

/** Runs `node`'s work for the family behind the context's model input. */
export async function runForFamily<K extends keyof FamilyNodes>(
  node: K,
  ctx: Parameters<NonNullable<FamilyNodes[K]>>[0],
): Promise<Awaited<ReturnType<NonNullable<FamilyNodes[K]>>>> {
  const c = ctx as unknown as { inputs: { model: ModelRef }; platform: Platform; signal: AbortSignal };
  const family = await familyFor(c.inputs.model, c.platform, c.signal);
  const run = family.nodes[node] as ((x: typeof ctx) => Promise<Awaited<ReturnType<NonNullable<FamilyNodes[K]>>>>) | undefined;
  if (!run) throw new Error(`"${c.inputs.model.pack.replace(/^onnx:/, '')}" is ${/^[aeiou]/i.test(family.kind) ? 'an' : 'a'} ${family.kind} model, which offers no ${OFFERS[node]}`);
  return run(ctx);
}

/** Forget every loaded pack of every family (tests; a host freeing memory). */
export async function clearModelCaches(): Promise<void> {
  await clearModelCache();
  await clearGanCache();
  await clearArCache();
}
