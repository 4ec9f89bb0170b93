// Concept Encoder: learned-encoder inversion into TEXT space (ELITE, IP-Adapter's spirit). The
// pack's trained encoder maps each image of the concept to a word embedding in one forward pass —
// no per-concept optimization — and the mean over the images is bound to the placeholder. Wire it
// into a Text Prompt to generate the concept, or into a Latent Optimizer's initial embedding for
// the hybrid method (E4T-like: encoder start, then a short optimization).
import { z } from 'zod';
import { declareNode, port } from '../runtime/index.ts';

export default declareNode({
  type: 'concept-encoder',
  version: 1,
  title: 'Concept Encoder',
  category: 'inversion',
  description: 'A trained encoder turns the images of a concept into the word embedding of a placeholder (S*) in one pass, without optimization. The embedding also leaves as a file a Model Loader can add as a token.',
  framework: { family: 'diffusion', space: 'text-embedding', method: 'learned encoder' },
  inputs: { model: port.model(), images: port.image() },
  outputs: { embedding: port.embedding(), file: port.files() },
  params: z.object({ token: z.string().regex(/^S\d*\*$/).default('S*').meta({ title: 'Placeholder word', description: 'The made-up word (S*, S2*, …) the embedding is bound to; write it in a prompt to use the concept.' }) }),
});
