// The model-pack manifest: one JSON file beside the safetensors weights that says what the pack is
// (family, resolution, latent, vocabulary or classes), what it offers (inversion spaces, LoRA
// targets), where it comes from (licences, attribution, training recipe) and how well it does
// (metrics). Each component records its architecture config, so graphs are rebuilt from config +
// weights alone. The family decides the rest of the shape: a latent-diffusion pack has a latent, a
// tokenizer and five components; a stylegan pack has sub-category classes and a generator; an
// autoregressive pack has an image tokenizer, a transformer over its tokens, and copies of the
// diffusion pack's text encoder, VAE and evaluator it works with.
import { z } from 'zod';
import { LIMITS } from '../../ml/untrusted/limits.ts';
import { arTokenizerArchitectureSchema, arTransformerArchitectureSchema } from '../ar/architecture.ts';
import { checkTokenizerConfig, codebookSize, tokenGrid } from '../ar/config.ts';
import { TEXT_ENCODER_KIND } from '../diffusion/architecture.ts';
import { VAE_KIND } from '../diffusion/vae.ts';
import { CLIP_KIND } from '../evaluator/architecture.ts';
import { ganGeneratorArchitectureSchema } from '../gan/architecture.ts';
import { numWs } from '../gan/config.ts';
import { GAN_ENCODER_KIND, ganEncoderConfigSchema } from '../gan/encoder.ts';
import { tokenizerConfigSchema } from '../text/tokenizer.ts';

export const FAMILIES = ['latent-diffusion', 'stylegan', 'autoregressive'] as const;
export type PackFamily = (typeof FAMILIES)[number];

/** How messages name each family. */
export const FAMILY_TITLES: Record<PackFamily, string> = { 'latent-diffusion': 'diffusion (latent-diffusion)', stylegan: 'GAN (stylegan)', autoregressive: 'AR (autoregressive)' };

/** A latent-diffusion pack's components. */
export const COMPONENTS = ['vae', 'textEncoder', 'unet', 'evaluator', 'conceptEncoder'] as const;
export const componentNameSchema = z.enum(COMPONENTS);
export type ComponentName = z.infer<typeof componentNameSchema>;

/** A stylegan pack's components (the encoder is optional: image → W+ starts for inversion). */
export const GAN_COMPONENTS = ['generator', 'encoder', 'evaluator'] as const;
export const ganComponentNameSchema = z.enum(GAN_COMPONENTS);
export type GanComponentName = z.infer<typeof ganComponentNameSchema>;

/** An autoregressive pack's components: its own two and copies of the diffusion pack's three it works with. */
export const AR_COMPONENTS = ['imageTokenizer', 'transformer', 'textEncoder', 'vae', 'evaluator'] as const;
export const arComponentNameSchema = z.enum(AR_COMPONENTS);
export type ArComponentName = z.infer<typeof arComponentNameSchema>;

/** A component of a pack of any family. */
export const anyComponentNameSchema = z.enum([...COMPONENTS, 'generator', 'encoder', 'imageTokenizer', 'transformer']);
export type AnyComponentName = z.infer<typeof anyComponentNameSchema>;

export const INVERSION_SPACES = ['noise', 'text-embedding', 'weights', 'latent'] as const;
export const inversionSpaceSchema = z.enum(INVERSION_SPACES);
export type InversionSpace = z.infer<typeof inversionSpaceSchema>;

/** The GAN family's spaces: Z, W, W+, S (per-layer styles), F (a feature map) and the weights. */
export const GAN_INVERSION_SPACES = ['z', 'w', 'w+', 's', 'f', 'weights'] as const;
export const ganInversionSpaceSchema = z.enum(GAN_INVERSION_SPACES);

/**
 * The AR family's spaces: the token grid itself, a learned word vector in the caption (token
 * embedding), the weights (LoRA) and a learned caption prefix (prefix tuning).
 */
export const AR_INVERSION_SPACES = ['tokens', 'token-embedding', 'weights', 'prefix'] as const;
export const arInversionSpaceSchema = z.enum(AR_INVERSION_SPACES);

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

const resolutionSchema = z.object({ width: z.number().int().positive(), height: z.number().int().positive(), channels: z.number().int().positive() });
const licenseSchema = z.object({
  /** Licence of the trained weights (SPDX id). */
  weights: z.string(),
  data: z.array(attributionSchema).min(1),
  /** The text the app shows to credit the data. */
  attribution: z.string(),
});
const datasetSchema = z.object({
  description: z.string(),
  /** Concept ids (base unified codes) no component was trained on. */
  heldOutConcepts: z.array(z.string()),
});

export const diffusionManifestSchema = z
  .object({
    schemaVersion: z.literal(1),
    name: z.string().min(1),
    family: z.literal('latent-diffusion'),
    description: z.string(),
    resolution: resolutionSchema,
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
    license: licenseSchema,
    dataset: datasetSchema,
    components: z.object(Object.fromEntries(COMPONENTS.map((c) => [c, componentSchema.optional()])) as Record<ComponentName, z.ZodOptional<typeof componentSchema>>).strict(),
  })
  .strict();
export type DiffusionManifest = z.infer<typeof diffusionManifestSchema>;

/** The generator's entry: its architecture is the bounded GanConfig, checked before any weight is read. */
export const ganGeneratorEntrySchema = componentSchema.extend({ architecture: ganGeneratorArchitectureSchema });
export const ganEncoderEntrySchema = componentSchema.extend({ architecture: z.object({ kind: z.literal(GAN_ENCODER_KIND) }).catchall(z.unknown()) });

export const ganLoraTargetSchema = z.object({
  component: z.literal('generator'),
  /** The modulated convolutions' dotted paths (e.g. 'g.synthesis.b16.conv0.conv'). */
  layers: z.array(z.string().min(1)).min(1),
  kind: z.literal('conv'),
});

export const ganManifestSchema = z
  .object({
    schemaVersion: z.literal(1),
    name: z.string().min(1),
    family: z.literal('stylegan'),
    description: z.string(),
    resolution: resolutionSchema,
    background: z.enum(['white', 'alpha']),
    /** The sub-categories the mapping network is conditioned on, in one-hot order. */
    classes: z.array(z.string().min(1).max(200)).max(4096),
    /** The evaluator's text vocabulary (the diffusion pack's): prompts for text directions and class choice. */
    tokenizer: tokenizerConfigSchema,
    inversionSpaces: z.array(ganInversionSpaceSchema),
    lora: z.array(ganLoraTargetSchema),
    license: licenseSchema,
    dataset: datasetSchema,
    components: z
      .object({
        generator: ganGeneratorEntrySchema,
        encoder: ganEncoderEntrySchema.optional(),
        /** The same small CLIP as the diffusion pack's (a copy of its file): metrics compare across families. */
        evaluator: componentSchema,
      })
      .strict(),
  })
  .strict()
  .superRefine((m, ctx) => {
    // The class list and the image size are said twice (for readers and for the generator): they must agree.
    const g = m.components.generator.architecture;
    if (m.classes.length !== g.classes)
      ctx.addIssue({ code: 'custom', path: ['classes'], message: `${m.classes.length} class names for a generator conditioned on ${g.classes} classes` });
    if (m.resolution.width !== g.resolution || m.resolution.height !== g.resolution || m.resolution.channels !== g.imageChannels)
      ctx.addIssue({ code: 'custom', path: ['resolution'], message: `${m.resolution.width}×${m.resolution.height}×${m.resolution.channels} is not the generator's ${g.resolution}×${g.resolution}×${g.imageChannels}` });
    // The encoder's config is bounded like the generator's, and must read this generator's images and write its W+.
    const enc = m.components.encoder;
    if (enc) {
      const { kind: _, ...config } = enc.architecture;
      const r = ganEncoderConfigSchema.safeParse(config);
      const path = ['components', 'encoder', 'architecture'];
      if (!r.success) for (const i of r.error.issues) ctx.addIssue({ code: 'custom', path: [...path, ...i.path.map(String)], message: i.message });
      else if (r.data.resolution !== g.resolution || r.data.imageChannels !== g.imageChannels || r.data.numWs !== numWs(g) || r.data.wDim !== g.wDim)
        ctx.addIssue({ code: 'custom', path, message: `an encoder of ${r.data.resolution} px images into W+ [N, ${r.data.numWs}, ${r.data.wDim}] does not fit the generator (${g.resolution} px, W+ [N, ${numWs(g)}, ${g.wDim}])` });
    }
    const vocab = m.components.evaluator.architecture.vocabSize;
    if (typeof vocab === 'number' && vocab !== m.tokenizer.vocab.length)
      ctx.addIssue({ code: 'custom', path: ['tokenizer', 'vocab'], message: `${m.tokenizer.vocab.length} words for an evaluator whose text tower reads ${vocab}` });
  });
export type GanManifest = z.infer<typeof ganManifestSchema>;

export const arImageTokenizerEntrySchema = componentSchema.extend({ architecture: arTokenizerArchitectureSchema });
export const arTransformerEntrySchema = componentSchema.extend({ architecture: arTransformerArchitectureSchema });

export const arLoraTargetSchema = z.object({
  component: z.literal('transformer'),
  /** The attention projections' dotted paths (e.g. 'ar.blocks.0.attn.to_q'). */
  layers: z.array(z.string().min(1)).min(1),
  kind: z.literal('attention'),
});

/** An entry copied from the diffusion pack: its architecture is checked by kind here, in full by its loader. */
const copiedEntrySchema = (kind: string) => componentSchema.extend({ architecture: z.object({ kind: z.literal(kind) }).catchall(z.unknown()) });

export const arManifestSchema = z
  .object({
    schemaVersion: z.literal(1),
    name: z.string().min(1),
    family: z.literal('autoregressive'),
    description: z.string(),
    resolution: resolutionSchema,
    background: z.enum(['white', 'alpha']),
    /** The VAE latent the image tokenizer reads, scaled as the diffusion pack scales it. */
    latent: diffusionManifestSchema.shape.latent,
    /** The caption tokenizer (the diffusion pack's): the text encoder's and the evaluator's vocabulary. */
    tokenizer: tokenizerConfigSchema,
    inversionSpaces: z.array(arInversionSpaceSchema),
    lora: z.array(arLoraTargetSchema),
    license: licenseSchema,
    dataset: datasetSchema,
    components: z
      .object({
        /** Scaled VAE latent ↔ token grid (FSQ; VQ as the teaching contrast). */
        imageTokenizer: arImageTokenizerEntrySchema,
        /** The decoder-only transformer over the token grid, prefixed by the caption's features. */
        transformer: arTransformerEntrySchema,
        /** Copies of the diffusion pack's files and entries: the caption's features, latent ↔ image, metrics. */
        textEncoder: copiedEntrySchema(TEXT_ENCODER_KIND),
        vae: copiedEntrySchema(VAE_KIND),
        evaluator: copiedEntrySchema(CLIP_KIND),
      })
      .strict(),
  })
  .strict()
  .superRefine((m, ctx) => {
    // The pieces are said apart (for readers and for each builder): they must fit together.
    const c = m.components;
    const tok = c.imageTokenizer.architecture;
    const tr = c.transformer.architecture;
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    try {
      checkTokenizerConfig(tok);
    } catch (e) {
      issue(['components', 'imageTokenizer', 'architecture'], (e as Error).message);
    }
    if (tok.latentChannels !== m.latent.channels || tok.latentSide !== m.latent.height || tok.latentSide !== m.latent.width)
      issue(['components', 'imageTokenizer', 'architecture'], `a tokenizer of ${tok.latentChannels}×${tok.latentSide}×${tok.latentSide} latents does not read the pack's ${m.latent.channels}×${m.latent.height}×${m.latent.width} latent`);
    const grid = tokenGrid(tok).side;
    if (tr.codebookSize !== codebookSize(tok.quantizer) || tr.gridSize !== grid)
      issue(['components', 'transformer', 'architecture'], `a transformer over ${tr.gridSize}×${tr.gridSize} grids of ${tr.codebookSize} codes does not fit the tokenizer's ${grid}×${grid} grids of ${codebookSize(tok.quantizer)} codes`);
    const text = c.textEncoder.architecture;
    if (text.maxLength !== tr.prefixLength || text.dim !== tr.textDim)
      issue(['components', 'transformer', 'architecture'], `the transformer takes a caption prefix of [${tr.prefixLength}, ${tr.textDim}], but the text encoder gives [${String(text.maxLength)}, ${String(text.dim)}]`);
    for (const name of ['textEncoder', 'evaluator'] as const) {
      const vocab = c[name].architecture.vocabSize;
      if (typeof vocab === 'number' && vocab !== m.tokenizer.vocab.length)
        issue(['tokenizer', 'vocab'], `${m.tokenizer.vocab.length} words for a ${name} that reads ${vocab}`);
    }
    const vae = c.vae.architecture;
    if (typeof vae.resolution === 'number' && (vae.resolution !== m.resolution.width || vae.resolution !== m.resolution.height))
      issue(['resolution'], `${m.resolution.width}×${m.resolution.height} is not the VAE's ${vae.resolution}×${vae.resolution}`);
    if (typeof vae.latentChannels === 'number' && vae.latentChannels !== m.latent.channels)
      issue(['latent', 'channels'], `${m.latent.channels} latent channels, the VAE has ${vae.latentChannels}`);
  });
export type ArManifest = z.infer<typeof arManifestSchema>;

export const manifestSchema = z.discriminatedUnion('family', [diffusionManifestSchema, ganManifestSchema, arManifestSchema]);
/** A pack's manifest, of any family: narrow on `family` before reading family fields. */
export type Manifest = z.infer<typeof manifestSchema>;
