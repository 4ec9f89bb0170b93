// Run code of the Model Loader node, declared in ./model-loader.ts (the editor loads the declaration alone).
import { implementNode, type ModelRef } from '../runtime/index.ts';
import { loadModel, pipelineFor, tokensFor } from './personalize/model-cache.ts';
import spec from './model-loader.ts';

export default implementNode(spec, async ({ params, platform, signal, progress }) => {
  const pack = params.files ? `files:${JSON.stringify(params.files)}` : params.pack;
  const ref: ModelRef = { kind: 'model', pack, loras: params.loras.map((l) => ({ ref: l.source, scale: l.scale })) };
  if (params.tokens.length) ref.tokens = params.tokens.map((t) => ({ token: t.token, ref: t.source }));
  progress(0, 1);
  const model = await loadModel(pack, platform, signal);
  // Added tokens are checked here too, so a word made for another model fails on this node.
  await tokensFor(ref, model, platform, signal);
  // LoRA files are checked here, so a LoRA made for another model fails on this node.
  if (ref.loras.length) await pipelineFor(ref, platform, signal);
  progress(1, 1);
  return { model: ref };
});
