// The AR family's image tokenizer, as a pack's manifest will record it. It turns the diffusion
// pack's VAE latent (scaled) into a grid of discrete tokens at half its side, and back. Bounded, so
// a manifest from elsewhere cannot ask for a codebook or a network that does not fit in memory.
import { z } from 'zod';

/** Largest codebook: token ids index embedding tables and logits, which grow with it. */
export const MAX_CODEBOOK = 65_536;

const fsqSchema = z.object({
  kind: z.literal('fsq'),
  /** Levels per code channel; the codebook is their product (Mentzer et al. 2023 use e.g. [8, 5, 5, 5]). */
  levels: z.array(z.number().int().min(2).max(64)).min(1).max(8),
});

const vqSchema = z.object({
  kind: z.literal('vq'),
  /** Codebook entries. */
  codes: z.number().int().min(2).max(MAX_CODEBOOK),
  /** Channels of a code vector. */
  dim: z.number().int().min(1).max(256),
  /** Weight of the commitment loss β·‖z − sg(e)‖² (VQ-VAE's 0.25). */
  beta: z.number().min(0).max(10).default(0.25),
});

export const quantizerSchema = z.discriminatedUnion('kind', [fsqSchema, vqSchema]).superRefine((q, ctx) => {
  if (q.kind === 'fsq' && q.levels.reduce((a, b) => a * b, 1) > MAX_CODEBOOK)
    ctx.addIssue({ code: 'custom', message: `FSQ levels [${q.levels}] give ${q.levels.reduce((a, b) => a * b, 1)} codes; at most ${MAX_CODEBOOK}` });
});
export type QuantizerConfig = z.infer<typeof quantizerSchema>;
export type FsqConfig = z.infer<typeof fsqSchema>;
export type VqConfig = z.infer<typeof vqSchema>;

export const arTokenizerConfigSchema = z.object({
  kind: z.literal('ar-tokenizer-v1').default('ar-tokenizer-v1'),
  /** The VAE latent it reads: channels and side (the token grid is half the side). */
  latentChannels: z.number().int().min(1).max(64).default(4),
  latentSide: z.number().int().min(2).max(128).refine((s) => s % 2 === 0, 'latentSide must be even (one stride-2 downsample)').default(16),
  /** Channels at the latent's resolution and at the token grid's. */
  channels: z.tuple([z.number().int().min(1).max(1024), z.number().int().min(1).max(1024)]).default([64, 128]),
  /** Residual blocks at each of the two resolutions (encoder and decoder alike). */
  blocks: z.tuple([z.number().int().min(0).max(8), z.number().int().min(0).max(8)]).default([1, 2]),
  /** GroupNorm groups; must divide both channel counts. */
  groups: z.number().int().min(1).max(256).default(8),
  quantizer: quantizerSchema.default({ kind: 'fsq', levels: [8, 5, 5, 5] }),
  /** Parameter-init seed. */
  seed: z.number().int().default(0),
});
export type ArTokenizerConfig = z.infer<typeof arTokenizerConfigSchema>;

/** The pack's tokenizer: 4×16×16 latent ↔ 8×8 tokens from FSQ levels [8, 5, 5, 5] (1,000 codes). */
export const AR_TOKENIZER_CONFIG: ArTokenizerConfig = arTokenizerConfigSchema.parse({});

/** The VQ contrast: same network and codebook size, a learned codebook of 1,000 4-vectors. */
export const AR_TOKENIZER_VQ_CONFIG: ArTokenizerConfig = arTokenizerConfigSchema.parse({ quantizer: { kind: 'vq', codes: 1000, dim: 4 } });

/** Checks what the schema cannot express alone; throws naming the first problem. */
export function checkTokenizerConfig(c: ArTokenizerConfig): void {
  for (const ch of c.channels)
    if (ch % c.groups) throw new Error(`AR tokenizer config: ${ch} channels are not divisible into ${c.groups} groups`);
}

/** Channels of a code vector (what the encoder emits and the decoder reads). */
export const codeDim = (q: QuantizerConfig) => (q.kind === 'fsq' ? q.levels.length : q.dim);

/** Number of distinct tokens. */
export const codebookSize = (q: QuantizerConfig) => (q.kind === 'fsq' ? q.levels.reduce((a, b) => a * b, 1) : q.codes);

/** The token grid: side and count (raster order, row by row). */
export function tokenGrid(c: ArTokenizerConfig): { side: number; count: number } {
  const side = c.latentSide / 2;
  return { side, count: side * side };
}
