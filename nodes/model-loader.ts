// Model Loader: names a model pack (the built-in one, a folder or URL of the user's, or dropped
// files) and the LoRA files to apply, checks that everything loads, and outputs a REFERENCE. The
// weights stay in this worker's cache; every other worker loads them itself from the same reference.
import { z } from 'zod';
import { defineNode, port } from '../runtime/index.ts';
import { loadModel, pipelineFor } from './personalize/model-cache.ts';

export const BUILT_IN_PACK = 'models/emoji-diffusion';

export default defineNode({
  type: 'model-loader',
  version: 1,
  title: 'Model Loader',
  category: 'model',
  description:
    'A model pack: the built-in emoji diffusion model, or your own (a folder path or URL holding manifest.json and its weights, or dropped files). LoRA files listed here are applied to its denoiser.',
  framework: { family: 'diffusion' },
  inputs: {},
  outputs: { model: port.model() },
  params: z.object({
    pack: z.string().min(1).max(4096).default(BUILT_IN_PACK),
    /** Dropped files: name → source (blob: URL or path); when set, `pack` is ignored. */
    files: z.record(z.string().regex(/^[A-Za-z0-9._-]+$/), z.string().min(1).max(1_000_000)).optional(),
    loras: z.array(z.object({ source: z.string().min(1).max(1_000_000), scale: z.number().min(-4).max(4).default(1) })).max(8).default([]),
  }),
  async run({ params, platform, signal, progress }) {
    const pack = params.files ? `files:${JSON.stringify(params.files)}` : params.pack;
    const ref = { kind: 'model' as const, pack, loras: params.loras.map((l) => ({ ref: l.source, scale: l.scale })) };
    progress(0, 1);
    await loadModel(pack, platform, signal);
    // LoRA files are checked here, so a LoRA made for another model fails on this node.
    if (ref.loras.length) await pipelineFor(ref, platform, signal);
    progress(1, 1);
    return { model: ref };
  },
});
