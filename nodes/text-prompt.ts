// Text Prompt: the text a generation follows. Placeholders (S*, S2*, …) stand for learned concepts;
// embeddings wired in (from a Concept Encoder or a Latent Optimizer in text-embedding space) are
// bound to them, so "S* on the beach" means "this concept on the beach" downstream.
import { z } from 'zod';
import { declareNode, port } from '../runtime/index.ts';

export default declareNode({
  type: 'text-prompt',
  version: 1,
  title: 'Text Prompt',
  category: 'conditioning',
  description: 'A prompt typed by hand. Write S* (S2*, …) for a learned concept and wire its embedding in to bind it.',
  inputs: { embeddings: port.embedding().list().optional() },
  outputs: { prompt: port.prompt() },
  params: z.object({ text: z.string().max(10_000).default('').meta({ title: 'Prompt', description: 'What to draw. Write S* (S2*, …) for a learned concept and wire its embedding in.' }) }),
});
