// The model-pack manifest: one JSON file beside the safetensors weights that says what the pack is
// (family, resolution, latent, vocabulary), what it offers (inversion spaces, LoRA targets), where
// it comes from (licences, attribution, training recipe) and how well it does (metrics). Each
// component records its architecture config, so graphs are rebuilt from config + weights alone.
import { z } from 'zod';
import { LIMITS } from '../../ml/untrusted/limits.ts';
import { tokenizerConfigSchema } from '../text/tokenizer.ts';

export const COMPONENTS = ['vae', 'textEncoder', 'unet', 'evaluator', 'conceptEncoder'] as const;
export const componentNameSchema = z.enum(COMPONENTS);
export type ComponentName = z.infer<typeof componentNameSchema>;

export const INVERSION_SPACES = ['noise', 'text-embedding', 'weights', 'latent'] as const;
export const inversionSpaceSchema = z.enum(INVERSION_SPACES);
export type InversionSpace = z.infer<typeof inversionSpaceSchema>;

const sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'sha256 must be 64 lowercase hex digits');
// A file name inside the pack folder: no directories, so a manifest cannot point outside its pack.
const fileNameSchema = z.string().regex(/^[A-Za-z0-9._-]+$/, 'a plain file name inside the pack').refine((s) => s !== '.' && s !== '..');

export const recipeSchema = z.object({
  steps: z.number().int().nonnegative(),
  batch: z.number().int().positive(),
  lr: z.number().positive(),
  optimizer: z.string(),
  /** Seconds of wall time the run took (sum over resumed segments). */
  wallTimeSeconds: z.number().nonnegative(),
  threads: z.number().int().positive(),
  /** Which images or captions, e.g. 'emoji train split, both styles, 7,472 images'. */
  data: z.string(),
  seed: z.number().int(),
  /** Free-form details: loss weights, schedules, augmentations. */
  notes: z.string().optional(),
});
export type Recipe = z.infer<typeof recipeSchema>;

export const componentSchema = z.object({
  /** Weights file in the pack folder (safetensors). */
  weights: fileNameSchema,
  sha256: sha256Schema,
  bytes: z.number().int().positive().max(LIMITS.sourceBytes),
  /** How weights are stored; float16 files are widened to float32 when loaded. */
  dtype: z.enum(['float32', 'float16']),
  parameters: z.number().int().nonnegative(),
  /** The architecture's own config (its schema lives with the model); kind names the builder. */
  architecture: z.object({ kind: z.string().min(1) }).catchall(z.unknown()),
  recipe: recipeSchema.optional(),
  /** Named measurements, e.g. { psnr: 27.1, ssim: 0.93 } (units in the name or the README). */
  metrics: z.record(z.string(), z.number()).optional(),
});
export type ComponentEntry = z.infer<typeof componentSchema>;

export const loraTargetSchema = z.object({
  component: componentNameSchema,
  /** Layer paths (dotted, as in weight names) that accept an adapter. */
  layers: z.array(z.string().min(1)).min(1),
  kind: z.enum(['attention', 'conv', 'linear']),
});

export const attributionSchema = z.object({
  name: z.string(),
  author: z.string(),
  license: z.string(),
  url: z.string().url(),
  /** The npm package the files come from. */
  package: z.string().optional(),
});

export const manifestSchema = z
  .object({
    schemaVersion: z.literal(1),
    name: z.string().min(1),
    family: z.enum(['latent-diffusion']),
    description: z.string(),
    resolution: z.object({ width: z.number().int().positive(), height: z.number().int().positive(), channels: z.number().int().positive() }),
    /** Images are RGB in [−1, 1], composited on this background. */
    background: z.enum(['white', 'alpha']),
    latent: z.object({
      channels: z.number().int().positive(),
      height: z.number().int().positive(),
      width: z.number().int().positive(),
      /** Multiplies the VAE's latent mean so the denoiser sees unit variance (1/std over the training set). */
      scalingFactor: z.number().positive(),
    }),
    tokenizer: tokenizerConfigSchema,
    inversionSpaces: z.array(inversionSpaceSchema),
    lora: z.array(loraTargetSchema),
    license: z.object({
      /** Licence of the trained weights (SPDX id). */
      weights: z.string(),
      data: z.array(attributionSchema).min(1),
      /** The text the app shows to credit the data. */
      attribution: z.string(),
    }),
    dataset: z.object({
      description: z.string(),
      /** Concept ids (base unified codes) no component was trained on. */
      heldOutConcepts: z.array(z.string()),
    }),
    components: z.object(Object.fromEntries(COMPONENTS.map((c) => [c, componentSchema.optional()])) as Record<ComponentName, z.ZodOptional<typeof componentSchema>>).strict(),
  })
  .strict();
export type Manifest = z.infer<typeof manifestSchema>;
