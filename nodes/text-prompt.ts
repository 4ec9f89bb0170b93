// Text Prompt: the text a generation follows. Placeholders (S*, S2*, …) stand for learned concepts;
// embeddings wired in (from a Concept Encoder or a Latent Optimizer in text-embedding space) are
// bound to them, so "S* on the beach" means "this concept on the beach" downstream.
import { z } from 'zod';
import { slotOf, toSlots, writtenOf } from '../models/personalize/index.ts';
import { defineNode, port, type Prompt } from '../runtime/index.ts';

export default defineNode({
  type: 'text-prompt',
  version: 1,
  title: 'Text Prompt',
  category: 'conditioning',
  description: 'A prompt typed by hand. Write S* (S2*, …) for a learned concept and wire its embedding in to bind it.',
  framework: { scheme: 'generation' },
  inputs: { embeddings: port.embedding().list().optional() },
  outputs: { prompt: port.prompt() },
  params: z.object({ text: z.string().max(10_000).default('') }),
  async run({ params, inputs }) {
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
  },
});
