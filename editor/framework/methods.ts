// Named methods from the survey's framework: each is one choice of inversion space, inversion
// method and (optionally) model family. A graph whose nodes make those choices implements the
// method, and swapping one node turns it into another.

export interface KnownMethod {
  name: string;
  family: 'gan' | 'diffusion' | 'autoregressive' | 'any';
  space: RegExp;
  method: RegExp;
  summary: string;
  reference: string;
}

export const KNOWN_METHODS: readonly KnownMethod[] = [
  {
    name: 'Textual Inversion',
    family: 'diffusion',
    space: /text|embedding|token|p\+/i,
    method: /optim/i,
    summary: 'Learns a new word embedding for the concept by optimization, leaving the model untouched. Light to store; keeps to the prompt, but a single embedding holds fine detail less well than weight tuning.',
    reference: 'Gal et al., 2022',
  },
  {
    name: 'Optimization-based latent inversion',
    family: 'diffusion',
    space: /latent|noise/i,
    method: /optim/i,
    summary: 'Optimizes the latent (or start noise) until the model reproduces the images. Reconstructs best of the inversion methods and takes the longest; the latent is specific to these images, not a reusable concept.',
    reference: 'see the survey, §4 (optimization-based inversion)',
  },
  {
    name: 'LoRA fine-tuning (Custom Diffusion family)',
    family: 'diffusion',
    space: /lora|key|value|low.?rank/i,
    method: /optim|fine.?tun|train/i,
    summary: 'Tunes small low-rank updates to chosen layers. Keeps the subject better than an embedding at a fraction of full fine-tuning, and may drift from the prompt as it overfits.',
    reference: 'Hu et al., 2021; Kumari et al., 2023',
  },
  {
    name: 'DreamBooth',
    family: 'diffusion',
    space: /weight|full/i,
    method: /optim|fine.?tun|train/i,
    summary: 'Fine-tunes the model weights on a few images of the subject. The most faithful subject, the heaviest to store, and prone to forgetting the prompt.',
    reference: 'Ruiz et al., 2023',
  },
  {
    name: 'DDIM inversion',
    family: 'diffusion',
    space: /noise/i,
    method: /training.?free|ddim|determin/i,
    summary: 'Runs the sampler backwards to find the start noise that regenerates an image: instant and training-free, the basis of text-driven editing of real images.',
    reference: 'Song et al., 2021; Mokady et al., 2023',
  },
  {
    name: 'Encoder-based latent inversion',
    family: 'diffusion',
    space: /^latent$/i,
    method: /encoder/i,
    summary: 'The autoencoder’s encoder maps each image to its latent in one pass: instant, and the least faithful way back, since the encoder was trained for the average image, not this one.',
    reference: 'see the survey, §4 (learning-based inversion)',
  },
  {
    name: 'Hybrid latent inversion (encoder start, then optimization)',
    family: 'diffusion',
    space: /^latent$/i,
    method: /hybrid/i,
    summary: 'The encoder’s latent is the start of a short optimization: close to optimization’s fidelity in a fraction of its steps, the recipe of PTI and ReStyle in the GAN family.',
    reference: 'Roich et al., 2022; Alaluf et al., 2021',
  },
  {
    name: 'Pivotal Tuning Inversion (PTI)',
    family: 'gan',
    space: /weight/i,
    method: /optim|hybrid/i,
    summary: 'Inverts each image to a pivot code in W, then tunes low-rank adapters of the generator so the pivot reproduces it exactly, with a locality term that keeps the rest of the latent space as it was: near-perfect reconstruction that keeps W’s editability.',
    reference: 'Roich et al., 2022; MyStyle: Nitzan et al., 2022',
  },
  {
    name: 'Image2StyleGAN (optimization-based GAN inversion)',
    family: 'gan',
    space: /^(z|w\+?|s|f)$|style/i,
    method: /optim/i,
    summary: 'Optimizes a latent code until the generator reproduces the image. Reconstructs best, slowly, and the code may leave the well-behaved region where edits work.',
    reference: 'Abdal et al., 2019',
  },
  {
    name: 'Encoder-based GAN inversion (pSp, e4e, ReStyle)',
    family: 'gan',
    space: /.*/,
    method: /encoder/i,
    summary: 'A trained encoder maps the image to a W+ code in one pass (or a few refining passes, ReStyle): near-instant, less faithful than optimization, and closer to the codes the generator knows, so edits behave.',
    reference: 'Richardson et al., 2021; Tov et al., 2021; Alaluf et al., 2021',
  },
  {
    name: 'Hybrid GAN inversion (encoder start, then optimization)',
    family: 'gan',
    space: /.*/,
    method: /hybrid/i,
    summary: 'The encoder’s code starts a short optimization: most of optimization’s fidelity in a fraction of its steps, staying near the encoder’s well-behaved region (in-domain inversion).',
    reference: 'Zhu et al., 2020 (IDInvert); Roich et al., 2022',
  },
  {
    name: 'Encoder-based personalization (ELITE, IP-Adapter)',
    family: 'diffusion',
    space: /.*/,
    method: /encoder/i,
    summary: 'An image encoder turns the reference images into conditioning in one pass: no tuning per subject, less identity detail.',
    reference: 'Wei et al., 2023; Ye et al., 2023',
  },
  {
    name: 'Hybrid personalization (E4T, BLIP-Diffusion)',
    family: 'diffusion',
    space: /.*/,
    method: /hybrid/i,
    summary: 'An encoder gives a starting point and a short tuning refines it: most of the fidelity of optimization at a fraction of its time.',
    reference: 'Gal et al., 2023; Li et al., 2023',
  },
  {
    name: 'Tokenizer inversion',
    family: 'autoregressive',
    space: /token/i,
    method: /tokeniz/i,
    summary: 'The image tokenizer (the autoencoder’s encoder, then a quantizer) turns each image into its grid of codes in one exact pass: instant and training-free. The grid is the image as the transformer reads it, so it can be scored or partly redrawn, but it stores these pictures, not a concept to use in new prompts.',
    reference: 'Esser et al., 2021 (VQGAN); Mentzer et al., 2023 (FSQ)',
  },
  {
    name: 'Textual Inversion for an autoregressive model',
    family: 'autoregressive',
    space: /text|embedding/i,
    method: /optim/i,
    summary: 'Learns a new word embedding by the next-token loss: after a caption holding S*, the frozen transformer should predict the concept’s tokens one by one. Light to store and keeps to the prompt; one word holds fine detail less well than tuned weights.',
    reference: 'Gal et al., 2022, by the next-token loss (see the survey, §6)',
  },
  {
    name: 'Two-stage tuning (Textual Inversion, then LoRA)',
    family: 'autoregressive',
    space: /lora|weight/i,
    method: /two.?stage/i,
    summary: 'A word embedding learned first (Textual Inversion) gives S* a meaning close to the concept; LoRA on the attention then learns the rest with that word bound. The word carries the concept into new prompts, the adapters its detail.',
    reference: 'Sun et al., 2025',
  },
  {
    name: 'LoRA tuning of an autoregressive transformer',
    family: 'autoregressive',
    space: /lora|weight/i,
    method: /optim|fine.?tun|train/i,
    summary: 'Low-rank updates of the transformer’s attention learn to draw the concept’s tokens after S*. Prior preservation (class grids the frozen model draws) or distillation (its next-token distribution on the class prompt) keeps the class word from drifting.',
    reference: 'Hu et al., 2021; see the survey, §6',
  },
  {
    name: 'Prefix tuning (CoAR)',
    family: 'autoregressive',
    space: /prefix/i,
    method: /optim|two.?stage/i,
    summary: 'Learned key/value tokens in front of every attention layer carry the concept; the model itself stays frozen. The lightest adapter to store, and the base model is untouched for every other prompt.',
    reference: 'Li & Liang, 2021; Wu et al., 2025 (CoAR)',
  },
  {
    name: 'In-context generation',
    family: 'autoregressive',
    space: /.*/,
    method: /in.?context|no.?tun/i,
    summary: 'The reference images go into the prompt as tokens; nothing is optimized or stored.',
    reference: 'see the survey, §6',
  },
];
