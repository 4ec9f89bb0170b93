// The AR family's transformer, in numbers a model pack's manifest records. Bounded, so a manifest
// from elsewhere cannot ask for a model that does not fit in memory before a weight is read.
//
// The sequence it models: the caption's prefix (the text encoder's features, one row per caption
// token, projected to the width), then the image inputs — a start token <bos> and the grid's
// tokens in raster order — of which input j predicts token j. So the model sees
// prefixLength + gridSize² positions; the last token is predicted, never read.
import { z } from 'zod';
import type { TextEncoderConfig } from '../diffusion/text-encoder.ts';

export const arTransformerConfigSchema = z
  .object({
    /** Codes of the image tokenizer (FSQ levels 8·5·5·5 = 1,000); the output classes. */
    codebookSize: z.number().int().min(2).max(65_536).default(1000),
    /** Side of the token grid; the image is gridSize² tokens. */
    gridSize: z.number().int().min(1).max(32).default(8),
    width: z.number().int().min(4).max(2048).default(256),
    layers: z.number().int().min(1).max(48).default(6),
    heads: z.number().int().min(1).max(64).default(8),
    mlpRatio: z.number().int().min(1).max(8).default(4),
    /** Caption tokens in the prefix: the text encoder's maxLength. */
    prefixLength: z.number().int().min(1).max(256).default(20),
    /** Feature size of the text encoder, projected to the width. */
    textDim: z.number().int().min(1).max(2048).default(128),
  })
  .superRefine((c, ctx) => {
    if (c.width % c.heads) ctx.addIssue({ code: 'custom', message: `width ${c.width} is not divisible by ${c.heads} heads`, path: ['width'] });
  });
export type ArTransformerConfig = z.infer<typeof arTransformerConfigSchema>;

/** Image tokens per grid. */
export const imageTokens = (c: ArTransformerConfig) => c.gridSize * c.gridSize;

/** Positions of the whole sequence (prefix + image inputs): the key/value cache's length. */
export const sequenceLength = (c: ArTransformerConfig) => c.prefixLength + imageTokens(c);

/** The start token <bos>: the first image input, one past the codebook. */
export const bosId = (c: ArTransformerConfig) => c.codebookSize;

/** Rows of the token table: the codebook and <bos>. */
export const vocabSize = (c: ArTransformerConfig) => c.codebookSize + 1;

export const headDim = (c: ArTransformerConfig) => c.width / c.heads;

/** The transformer reads the text encoder's output as its prefix: their sizes must agree. */
export function checkTextFit(c: ArTransformerConfig, text: TextEncoderConfig): void {
  if (text.maxLength !== c.prefixLength || text.dim !== c.textDim)
    throw new Error(
      `the AR transformer takes a caption prefix of [${c.prefixLength}, ${c.textDim}], but the text encoder gives [${text.maxLength}, ${text.dim}]`,
    );
}
