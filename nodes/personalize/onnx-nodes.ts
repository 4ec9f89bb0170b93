// What an imported ONNX model (from an ONNX Model node) does for the nodes that work on any
// family: optimization-based inversion of its chosen input, and LoRA on its chosen weights.
import { loraSpecFrom } from '../../models/onnx/lora.ts';
import type { Ctx, Family, Out } from './families.ts';
import { invertThrough, tuneThrough } from './family-runs.ts';
import { optimizableFor } from './onnx-models.ts';
import type latentOptimizerSpec from '../latent-optimizer.ts';
import type loraTrainerSpec from '../lora-trainer.ts';
import type decoderSpec from '../decoder.ts';

async function imported(ctx: { inputs: { model: Parameters<typeof optimizableFor>[0] }; platform: Parameters<typeof optimizableFor>[1]; signal: AbortSignal }) {
  const family = await optimizableFor(ctx.inputs.model, ctx.platform, ctx.signal);
  if (!family) throw new Error(`"${ctx.inputs.model.pack}" is not an imported ONNX model`);
  return family;
}

/** The Decoder renders a latent of the model's input space through the model (a generator's image), tuned by a wired LoRA. */
async function decoder(ctx: Ctx<typeof decoderSpec>): Promise<Out<typeof decoderSpec>> {
  const family = await imported(ctx);
  const { latent } = ctx.inputs;
  if (latent.space !== family.space) throw new Error(`"${family.name}" decodes latents in "${family.space}" space, got one in "${latent.space}" space`);
  if (!family.output.image) throw new Error(`output "${family.output.name}" of "${family.name}" is not an image; choose an image-like output in its ONNX Model node`);
  const want = family.input.shape;
  const s = latent.tensor.shape;
  if (s.length !== want.length || s.some((d, i) => d !== want[i])) throw new Error(`input "${family.input.name}" of "${family.name}" is [${want}]; the latent is [${s}]`);
  ctx.progress(0, 1);
  const lora = ctx.inputs.lora ? loraSpecFrom(ctx.inputs.lora.tensors, ctx.inputs.lora.meta) : undefined;
  const images = family.toImages(await family.render(latent.tensor, lora));
  ctx.progress(1, 1);
  return { images: { kind: 'image', tensor: images } };
}

export const onnxFamily: Family = {
  kind: 'imported ONNX',
  // The ONNX Model node that made the reference has loaded and checked the model already.
  async load() {},
  nodes: {
    decoder,
    latentOptimizer: async (ctx: Ctx<typeof latentOptimizerSpec>): Promise<Out<typeof latentOptimizerSpec>> =>
      invertThrough(await imported(ctx), ctx.inputs.images, ctx.inputs.init, ctx.params, ctx),
    loraTrainer: async (ctx: Ctx<typeof loraTrainerSpec>): Promise<Out<typeof loraTrainerSpec>> => {
      const family = await imported(ctx);
      if (ctx.params.adapter !== 'lora' || ctx.inputs.embedding) throw new Error(`"${family.name}" is an imported ONNX model: it takes LoRA on its weights, with no prefix or word embedding`);
      return tuneThrough(family, ctx.inputs.images, ctx.params, ctx);
    },
  },
};
