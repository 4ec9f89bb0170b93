// Run code of the Text Prompt node, declared in ./text-prompt.ts (the editor loads the declaration alone).
import { slotOf, toSlots, writtenOf } from '../models/personalize/index.ts';
import { implementNode, type Prompt } from '../runtime/index.ts';
import spec from './text-prompt.ts';

export default implementNode(spec, async ({ params, inputs }) => {
  const prompt: Prompt = { kind: 'prompt', text: params.text };
  const wired = inputs.embeddings ?? [];
  if (!wired.length) return { prompt };
  const used = new Set(toSlots(params.text).match(/<s\d+>/g) ?? []);
  const embeddings: NonNullable<Prompt['embeddings']> = {};
  for (const e of wired) {
    if (!e.tensor.shape[0]) throw new Error('an empty embedding is wired in: its Latent Optimizer ran in latent or noise space; set its space to text-embedding');
    const slot = slotOf(e.token ?? 'S*');
    if (embeddings[slot]) throw new Error(`two embeddings are wired for ${writtenOf(slot)}; give each concept its own placeholder (S*, S2*, …)`);
    if (!used.has(slot)) throw new Error(`an embedding for ${writtenOf(slot)} is wired in, but the text does not use ${writtenOf(slot)}`);
    embeddings[slot] = e.tensor;
  }
  return { prompt: { ...prompt, embeddings } };
});
