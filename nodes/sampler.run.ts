// Run code of the Sampler node, declared in ./sampler.ts (the editor loads the declaration alone).
import { Rng } from '../ml/index.ts';
import { guided } from '../models/diffusion/guidance.ts';
import { predictX0, sample } from '../models/diffusion/samplers.ts';
import { alphaBar } from '../models/diffusion/schedule.ts';
import { implementNode } from '../runtime/index.ts';
import { tensorToRgba } from './image/ops.ts';
import { conditioning } from './personalize/conditioning.ts';
import { fromLatent, fromModelImages, latentValue } from './personalize/images.ts';
import { pipelineFor, tokensFor } from './personalize/model-cache.ts';
import spec from './sampler.ts';

export default implementNode(spec, async ({ inputs, params, platform, signal, progress, preview }) => {
  const { model, pipe, tokens } = await pipelineFor(inputs.model, platform, signal, inputs.lora, params.loraScale);
  const schedule = model.schedule;
  let n = params.batch;
  let start: { noise?: Float32Array; init?: Float32Array } = {};
  if (inputs.latent) {
    const l = fromLatent(inputs.latent, model, ['noise', 'latent']);
    n = l.n;
    start = inputs.latent.space === 'noise' ? { noise: l.data } : { init: l.data };
  }
  const added = await tokensFor(inputs.model, model, platform, signal);
  const { cond, uncond } = await conditioning(model, pipe, n, inputs.prompt, inputs.negative, tokens, added);
  const guidedEps = guided(pipe.predictEps, { cond, uncond, scale: params.guidance });
  // The last model call, so a preview can show that step's clean estimate x̂₀ rather than noise.
  let last: { x: Float32Array; eps: Float32Array; t: number } | null = null;
  const eps = async (x: Float32Array, t: number) => {
    const e = await guidedEps(x, t);
    last = { x, eps: e, t };
    return e;
  };
  let shown = Promise.resolve();
  const out = await sample(eps, n * model.latentSize, {
    ...params,
    ...start,
    schedule,
    rng: new Rng(params.seed),
    signal,
    onStep: (done, total) => {
      progress(done, total);
      const step = last;
      if (params.previewEvery && done % params.previewEvery === 0 && done < total && step && model.has('vae')) {
        const k = model.latentSize;
        shown = shown.then(async () => {
          const x0 = predictX0(step.x.subarray(0, k), step.eps.subarray(0, k), alphaBar(schedule, step.t));
          preview(tensorToRgba(fromModelImages(await model.decode(x0, 1), 1, model).tensor));
        });
      }
    },
  });
  await shown.catch(() => {});
  return { latent: latentValue(out, n, model, 'latent') };
});
