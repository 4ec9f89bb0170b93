// Likelihood: how surprised an autoregressive model is by each token of an image's grid, given
// the prompt and the tokens before it (teacher forcing: the loss it was trained on). The per-token
// loss shows as a heat map over the image, so a learner sees which parts the model expected and
// which it did not; the mean is the model's loss in nats per token (and bits: nats / ln 2).
import { z } from 'zod';
import { declareNode, port } from '../runtime/index.ts';

export default declareNode({
  type: 'likelihood',
  version: 1,
  title: 'Likelihood',
  category: 'evaluation',
  description:
    'The negative log-likelihood of each token of an image’s grid under an autoregressive model and a prompt: a heat map over the image (bright = surprising), the mean loss, and nats and bits per token. Wire images (tokenized first) or a token grid.',
  framework: { family: 'autoregressive', space: 'tokens', scheme: 'evaluation (likelihood)' },
  inputs: { model: port.model(), images: port.image().optional(), tokens: port.latent().optional(), prompt: port.prompt(), lora: port.lora().optional() },
  outputs: { heatmap: port.image(), loss: port.scalar(), metrics: port.metrics() },
  params: z.object({
    opacity: z.number().min(0).max(1).default(0.6).meta({ title: 'Heat map opacity', description: 'How strongly the heat map covers the image (0 = the image alone, 1 = the heat map alone).' }),
    scaleTo: z.number().min(0).max(50).default(0).meta({ title: 'Scale to (nats)', description: 'The loss drawn brightest; 0 scales to the largest loss in the batch. Fix it to compare heat maps across runs.' }),
  }),
});
