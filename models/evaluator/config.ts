// The evaluator's architecture as data: the manifest stores this object, and every graph (image
// embedding, text embedding, training) is rebuilt from it, so weights and code cannot disagree.
import { z } from 'zod';

export const ClipConfigSchema = z.object({
  /** Side of the square RGB input in pixels, values in [-1, 1] (the data module's range). */
  imageSize: z.number().int().min(8).max(1024).default(64),
  /**
   * Channels per stage of the image tower. A stride-2 stem halves the input first, then each stage
   * after the first halves it again: 64 px → 32, 16, 8, 4 with four stages.
   */
  channels: z.array(z.number().int().positive().max(2048)).min(1).max(8).default([32, 64, 128, 192]),
  /** Residual blocks per stage (same length as channels). */
  blocks: z.array(z.number().int().min(0).max(16)).min(1).max(8).default([0, 1, 1, 1]),
  /** GroupNorm groups; must divide every stage's channels. */
  groups: z.number().int().positive().max(512).default(8),
  /** Size of the shared, L2-normalized embedding space. */
  embedDim: z.number().int().positive().max(2048).default(128),
  /** Tokenizer facts the text tower depends on. */
  vocabSize: z.number().int().positive().max(65_536),
  maxLength: z.number().int().positive().max(1024),
  padId: z.number().int().min(0),
  textDim: z.number().int().positive().max(2048).default(128),
  textLayers: z.number().int().min(1).max(48).default(2),
  textHeads: z.number().int().positive().max(64).default(4),
  /** Initial temperature as CLIP sets it: logit scale 1/0.07, learned in log space, capped at 100. */
  initLogitScale: z.number().positive().default(1 / 0.07),
  maxLogitScale: z.number().positive().default(100),
});
export type ClipConfig = z.infer<typeof ClipConfigSchema>;
export type ClipConfigInput = z.input<typeof ClipConfigSchema>;

export function clipConfig(input: ClipConfigInput): ClipConfig {
  const c = ClipConfigSchema.parse(input);
  if (c.blocks.length !== c.channels.length) throw new Error(`clip config: ${c.blocks.length} block counts for ${c.channels.length} stages`);
  for (const ch of c.channels) if (ch % c.groups) throw new Error(`clip config: ${ch} channels are not divisible into ${c.groups} groups`);
  if (c.textDim % c.textHeads) throw new Error(`clip config: text dim ${c.textDim} is not divisible by ${c.textHeads} heads`);
  if (c.imageSize % 2 ** c.channels.length) throw new Error(`clip config: ${c.imageSize} px cannot be halved ${c.channels.length} times`);
  return c;
}
