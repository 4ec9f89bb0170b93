// The Latent Optimizer's and LoRA Trainer's work for a model family behind the OptimizableModel
// interface (an imported ONNX model): the same loop settings, loss curve, previews and outputs as
// for a pack, with the family doing the optimization.
import { f32, writeSafetensors } from '../../ml/index.ts';
import type { OptimizableModel } from '../../models/family.ts';
import type { Embedding, Files, ImageBatch, Latent, LoraWeights, RgbaImage, Series } from '../../runtime/index.ts';
import { tensorToRgba } from '../image/ops.ts';
import { livePreview } from './loss-plot.ts';

interface RunCtx {
  signal: AbortSignal;
  progress: (done: number, total: number) => void;
  preview: (img: RgbaImage) => void;
}

interface LoopParams {
  steps: number;
  lr: number;
  seed: number;
  patience: number;
  previewEvery: number;
}

export function liveLoop(p: LoopParams, ctx: RunCtx) {
  const live = livePreview(ctx.preview);
  const losses: number[] = [];
  return {
    live,
    settings: {
      steps: p.steps,
      lr: p.lr,
      seed: p.seed,
      patience: p.patience,
      previewEvery: p.previewEvery,
      signal: ctx.signal,
      onStep: (k: number, loss: number) => {
        losses.push(loss);
        live.loss(losses);
        ctx.progress(k, p.steps);
      },
    },
  };
}

const series = (r: { losses: number[]; note?: string }): Series => ({ kind: 'series', values: r.losses, ...(r.note ? { note: r.note } : {}) });

/** Latent Optimizer through a family: the input value whose rendering matches the images. */
export async function invertThrough(model: OptimizableModel, images: ImageBatch, init: Latent | undefined, p: LoopParams, ctx: RunCtx) {
  if (init && init.space !== model.space) throw new Error(`this input takes a latent in "${model.space}" space, got one in "${init.space}" space`);
  const { live, settings } = liveLoop(p, ctx);
  const r = await model.invert(images.tensor, { ...settings, init: init?.tensor, onPreview: (_k, img) => live.sample(tensorToRgba(img)) });
  const latent: Latent = { kind: 'latent', space: model.space, tensor: r.value };
  const embedding: Embedding = { kind: 'embedding', tensor: f32([0, 0]) };
  const file: Files = {
    kind: 'files',
    files: [{ name: 'latent.safetensors', mime: 'application/octet-stream', bytes: writeSafetensors({ latent: r.value }, { space: model.space, model: model.name }) }],
  };
  return { latent, embedding, loss: series(r), file };
}

/** LoRA Trainer through a family: adapters fitted so the model reproduces the images. */
export async function tuneThrough(model: OptimizableModel, images: ImageBatch, p: LoopParams & { rank: number; alpha: number; name: string }, ctx: RunCtx) {
  const { settings } = liveLoop(p, ctx);
  const r = await model.tune(images.tensor, { ...settings, rank: p.rank, alpha: p.alpha });
  const lora: LoraWeights = { kind: 'lora', tensors: r.tensors, meta: r.meta };
  const file: Files = { kind: 'files', files: [{ name: `${p.name}.safetensors`, mime: 'application/octet-stream', bytes: writeSafetensors(r.tensors, r.meta) }] };
  return { lora, file, loss: series(r) };
}
