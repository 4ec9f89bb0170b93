// Run code of the Model Loader node, declared in ./model-loader.ts (the editor loads the declaration alone).
import { implementNode, type ModelRef } from '../runtime/index.ts';
import { familyFor } from './personalize/families.ts';
import spec from './model-loader.ts';

export default implementNode(spec, async ({ params, platform, signal, progress }) => {
  const pack = params.files ? `files:${JSON.stringify(params.files)}` : params.pack;
  const ref: ModelRef = { kind: 'model', pack, loras: params.loras.map((l) => ({ ref: l.source, scale: l.scale })) };
  if (params.tokens.length) ref.tokens = params.tokens.map((t) => ({ token: t.token, ref: t.source }));
  progress(0, 1);
  // The family loads the pack and checks the LoRA files and added words against it, so a file
  // made for another model fails on this node rather than on the first node that uses it.
  await (await familyFor(ref, platform, signal)).load(ref, platform, signal);
  progress(1, 1);
  return { model: ref };
});
