// Latent Edit: the GAN family's personalization scheme, moving a code along a direction of W.
// Directions come from the generator itself (GANSpace: principal components of mapped w), from its
// labels (InterFaceGAN: the normal of a linear boundary between sub-categories in W), or from text
// (StyleCLIP's global directions: the principal directions whose effect on the evaluator's image
// embedding follows the change between two prompts). Layers restrict the edit: coarse layers move
// shape and layout, fine layers colour and texture.
import { z } from 'zod';
import { declareNode, port } from '../runtime/index.ts';

export default declareNode({
  type: 'latent-edit',
  version: 1,
  title: 'Latent Edit',
  category: 'editing',
  description:
    'Edit an inverted or sampled GAN code along a direction: a principal direction of W (GANSpace), a sub-category boundary (InterFaceGAN) or a text change (StyleCLIP global), with a strength and a layer range.',
  framework: { family: 'gan', scheme: 'latent editing' },
  inputs: { model: port.model(), latent: port.latent() },
  outputs: { latent: port.latent() },
  params: z.object({
    direction: z.enum(['principal', 'label', 'text']).default('principal').meta({ title: 'Direction', description: 'principal: a principal component of mapped w (GANSpace). label: towards a sub-category (InterFaceGAN). text: the change from one prompt to another (StyleCLIP).' }),
    component: z.number().int().min(0).max(63).default(0).meta({ title: 'Component', description: 'Which principal direction, 0 being the one along which w varies most.', appliesWhen: { direction: ['principal'] } }),
    target: z.string().max(200).default('face-smiling').meta({ title: 'Towards sub-category', description: 'The emoji sub-category to move towards (e.g. face-smiling, animal-mammal).', appliesWhen: { direction: ['label'] } }),
    source: z.string().max(200).default('').meta({ title: 'Away from sub-category', description: 'The sub-category to move away from; empty means all the others.', appliesWhen: { direction: ['label'] } }),
    prompt: z.string().max(500).default('smiling face').meta({ title: 'Target text', description: 'What the edited image should look like.', appliesWhen: { direction: ['text'] } }),
    neutral: z.string().max(500).default('face').meta({ title: 'Neutral text', description: 'What it looks like now; the edit follows the change from this text to the target.', appliesWhen: { direction: ['text'] } }),
    strength: z.number().min(-50).max(50).default(3).meta({ title: 'Strength', description: 'How far to move along the direction (in units of the spread of w along it); negative moves the other way.' }),
    layers: z.enum(['all', 'coarse', 'middle', 'fine']).default('all').meta({ title: 'Layers', description: 'Which layers of W+ take the edit: coarse (shape, layout), middle (parts), fine (colour, texture), or all.' }),
  }),
});
