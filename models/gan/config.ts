// The GAN's architecture numbers, as a model pack's manifest records them. Bounded, so a manifest
// from elsewhere cannot ask for a generator that does not fit in memory before a weight is read.
import { z } from 'zod';

export const ganConfigSchema = z.object({
  /** Output side in pixels: a power of two; the synthesis starts from a learned 4×4 constant. */
  resolution: z.number().int().min(8).max(256).refine((r) => (r & (r - 1)) === 0, 'resolution must be a power of two').default(64),
  imageChannels: z.number().int().min(1).max(4).default(3),
  zDim: z.number().int().min(1).max(1024).default(128),
  wDim: z.number().int().min(1).max(1024).default(256),
  mappingLayers: z.number().int().min(1).max(8).default(4),
  /** Learning-rate multiplier of the mapping network (StyleGAN's 0.01: w moves slowly). */
  mappingLrMul: z.number().positive().max(1).default(0.01),
  /** Sub-categories the mapping network is conditioned on (0: unconditional). */
  classes: z.number().int().min(0).max(4096).default(0),
  /** Generator channels per resolution, from 4×4 up: one entry per level (log2(resolution) − 1). */
  channels: z.array(z.number().int().min(1).max(1024)).min(2).max(7).default([256, 256, 128, 64, 32]),
  /** Discriminator channels per resolution, from the image's down to 4×4. */
  dChannels: z.array(z.number().int().min(1).max(1024)).min(2).max(7).default([32, 64, 128, 256, 256]),
  /** Group size of the minibatch standard-deviation feature. */
  mbstdGroup: z.number().int().min(1).max(64).default(4),
});
export type GanConfig = z.infer<typeof ganConfigSchema>;

/** Levels of the synthesis network (4×4, 8×8, … resolution). */
export const levelsOf = (c: GanConfig) => Math.log2(c.resolution) - 1;

/** Entries of W+: one w per modulated convolution, toRGB layers reuse the next conv's (StyleGAN2's count). */
export const numWs = (c: GanConfig) => 2 * levelsOf(c);

/** The per-layer noise inputs of the synthesis network, with their sides. */
export function noiseInputs(c: GanConfig): { name: string; side: number }[] {
  const out: { name: string; side: number }[] = [];
  for (let l = 0; l < levelsOf(c); l++) {
    const side = 4 << l;
    if (l > 0) out.push({ name: `noise_${side}_0`, side });
    out.push({ name: `noise_${side}_1`, side });
  }
  return out;
}

export function checkGanConfig(c: GanConfig): void {
  const levels = levelsOf(c);
  if (c.channels.length !== levels) throw new Error(`GAN config: ${c.channels.length} generator channel entries for ${levels} levels (4×4 … ${c.resolution}×${c.resolution})`);
  if (c.dChannels.length !== levels) throw new Error(`GAN config: ${c.dChannels.length} discriminator channel entries for ${levels} levels`);
}
