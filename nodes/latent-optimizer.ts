// Latent Optimizer: optimization-based inversion in a chosen space of the wired model's family —
// diffusion:
//  - latent:          decoder inversion (the latent whose decoding matches the image);
//  - noise:           the start noise that K DDIM steps under the prompt turn into the image;
//  - text-embedding:  Textual Inversion (a new word S* for the concept, the denoising loss over
//                      random timesteps and noise; only that word's embedding is trained);
// GAN (Image2StyleGAN): z, w, w+ (one w per layer), s (per-layer styles), f (the 16×16 feature
// map with W+ above it); pixels plus the evaluator's perceptual term and a pull towards the mean w,
// the noise maps held at the seeded draw the Decoder renders with (so the code alone reproduces);
// autoregressive: text-embedding, Textual Inversion by the next-token loss on the images' token
// grids (the transformer predicts the concept's tokens after a caption holding S*);
// an imported ONNX model: its chosen input.
// An initial value wired in (an encoder's latent or a concept embedding) turns it into the hybrid
// method. Live loss curve, previews every N steps, early stop on a plateau, seeds; a diverging run
// stops and keeps its last good value, with a note on the loss curve saying so.
import { z } from 'zod';
import { declareNode, port } from '../runtime/index.ts';

const SPACES = ['latent', 'noise', 'text-embedding', 'z', 'w', 'w+', 's', 'f'] as const;
const GAN_SPACES = ['z', 'w', 'w+', 's', 'f'] as const satisfies readonly (typeof SPACES)[number][];

export default declareNode({
  type: 'latent-optimizer',
  version: 1,
  title: 'Latent Optimizer',
  category: 'inversion',
  description:
    'Optimization-based inversion: find the code that reproduces the images. Diffusion: the latent (decoder inversion), the start noise, or the word embedding of a new token S* (Textual Inversion). GAN: z, w, w+, styles s or a feature map f (Image2StyleGAN). Autoregressive: the word embedding of S* by the next-token loss on the images’ token grids. Wire an initial value (an encoder’s) for the hybrid method.',
  framework: { family: 'any', space: 'latent / noise / text-embedding / z / w / w+ / s / f', method: 'optimization' },
  inputs: {
    model: port.model(),
    images: port.image(),
    prompt: port.prompt().optional(),
    init: port.latent().optional(),
    initEmbedding: port.embedding().optional(),
  },
  outputs: { latent: port.latent(), embedding: port.embedding(), loss: port.series(), file: port.files() },
  params: z.object({
    space: z.enum(SPACES).default('text-embedding').meta({ title: 'Inversion space', description: 'Where the concept is stored. Diffusion: a latent (decoder inversion), the start noise, or the word embedding of a new token (Textual Inversion). GAN: z, w, w+ (a w per layer), s (per-layer styles) or f (a feature map with w+ above it). Autoregressive: the word embedding of a new token.' }),
    steps: z.number().int().min(1).max(5000).default(300).meta({ title: 'Steps', description: 'Optimization steps; more reconstructs better and takes longer.' }),
    lr: z.number().positive().max(1000).default(1e-3).meta({ title: 'Learning rate', description: 'Size of each Adam step; too large diverges, too small crawls. Textual Inversion on the built-in pack does best near 1e-3 (5e-3 drives the word far from the vocabulary); a latent takes about 0.05, GAN codes 0.01–0.02.' }),
    seed: z.number().int().min(0).max(0xffffffff).default(0).meta({ title: 'Seed', description: 'Fixes the random timesteps and noise, so a run can be repeated exactly.' }),
    batch: z.number().int().min(1).max(32).default(4).meta({ title: 'Batch size', description: 'Examples per step.', appliesWhen: { space: ['text-embedding'] } }),
    templates: z.array(z.string().min(1).max(500)).min(1).max(32).default(['S*']).meta({ title: 'Training prompts', description: 'Prompts the placeholder is learned in, one per line; each must contain it.', appliesWhen: { space: ['text-embedding'] } }),
    token: z.string().regex(/^S\d*\*$/).default('S*').meta({ title: 'Placeholder word', description: 'The new word being learned (S*, S2*, …).', appliesWhen: { space: ['text-embedding'] } }),
    // The default is models' DEFAULT_MIN_SNR_GAMMA (a test holds them equal; specs import no model code).
    minSnrGamma: z.number().min(0).max(100).default(5).meta({ title: 'Min-SNR γ', description: 'Diffusion packs: each random timestep of the denoising loss weighs min(SNR, γ)/SNR, the weighting the built-in denoiser was trained with. 0 gives the papers’ plain noise-prediction error, which weighs nearly clean steps most and learns texture rather than shape.', appliesWhen: { space: ['text-embedding'] } }),
    ddimSteps: z.number().int().min(1).max(50).default(4).meta({ title: 'DDIM steps', description: 'Steps of the noise-to-image round trip; use the same in the Sampler, with guidance 1.', appliesWhen: { space: ['noise'] } }),
    perceptual: z.number().min(0).max(10).default(0.5).meta({ title: 'Perceptual weight', description: 'Weight of the evaluator’s image-similarity term beside the pixel error; 0 matches pixels alone (blurrier).', appliesWhen: { space: [...GAN_SPACES] } }),
    meanPull: z.number().min(0).max(10).default(0.01).meta({ title: 'Pull to mean w', description: 'Keeps the code near the average w, where the generator is well behaved and edits work; 0 lets it wander for a closer fit.', appliesWhen: { space: [...GAN_SPACES] } }),
    patience: z.number().int().min(0).max(5000).default(0).meta({ title: 'Early stop after', description: 'Stop when the loss has not improved for this many steps (0 = never).' }),
    previewEvery: z.number().int().min(0).max(5000).default(50).meta({ title: 'Preview every', description: 'Show the current result every this many steps (0 = never).' }),
  }),
  flags: { expensive: true },
});
