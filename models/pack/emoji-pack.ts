// The built-in packs' fixed facts (Node: the vocabulary and hold-out come from the dataset): what a
// fresh manifest.json starts as before any component is exported into it. Both families learn from
// the same emoji with the same held-out concepts, so they share the licence, credit and hold-out.
import { STYLE_SOURCE, STYLES } from '../data/catalog.ts';
import { readHoldout } from '../data/emoji.ts';
import { ganGeneratorArchitecture, ganLoraLayers } from '../gan/architecture.ts';
import type { GanConfig } from '../gan/config.ts';
import { emojiTokenizerConfig } from '../text/emoji-vocab.ts';
import type { TokenizerConfig } from '../text/tokenizer.ts';
import type { ComponentEntry, DiffusionManifest, GanManifest } from './manifest.ts';

export const EMOJI_PACK_NAME = 'emoji-diffusion';
export const EMOJI_GAN_PACK_NAME = 'emoji-gan';

const LICENSE_NAMES: Record<string, string> = { 'CC-BY-4.0': 'CC-BY 4.0', MIT: 'MIT', 'Apache-2.0': 'Apache-2.0' };

/** One sentence crediting every style's images: author, licence, source and the npm package. */
export const EMOJI_ATTRIBUTION =
  'Trained on ' +
  STYLES.map((s) => {
    const c = STYLE_SOURCE[s];
    return `${c.title} by ${c.author} (${LICENSE_NAMES[c.license] ?? c.license}, ${c.url}; npm ${c.pkg})`;
  }).join(', ') +
  '; images rasterized to 64×64 and composited on white.';

const styleTitles = () => STYLES.map((st) => STYLE_SOURCE[st].title).join(', ');

/** Licence and credit of weights trained on every emoji style. */
function emojiLicense(): DiffusionManifest['license'] {
  return {
    // The weights are derived from CC-BY 4.0 images, so they carry the same licence and credit.
    weights: 'CC-BY-4.0',
    data: STYLES.map((st) => {
      const c = STYLE_SOURCE[st];
      return { name: c.title, author: c.author, license: c.license, url: c.url, package: c.pkg };
    }),
    attribution: EMOJI_ATTRIBUTION,
  };
}

/** The emoji images every style contributes, how they are prepared, and the held-out concepts. */
function emojiDataset(labels: string): DiffusionManifest['dataset'] {
  const holdout = readHoldout();
  return {
    description:
      `Every 64×64 image of ${STYLES.length} emoji styles of the same concepts (${STYLES.map((st) => `${st}: ${STYLE_SOURCE[st].pkg}`).join('; ')}), ` +
      `the SVG sets rasterized, all composited on white; ${labels} ` +
      `${holdout.concepts.length} concepts are held out of all training in every style (models/data/holdout.json). ` +
      'Per-style counts: npm run data:report.',
    heldOutConcepts: holdout.concepts.map((c) => c.concept),
  };
}

export function emojiPackBase(): DiffusionManifest {
  return {
    schemaVersion: 1,
    name: EMOJI_PACK_NAME,
    family: 'latent-diffusion',
    description: `A small text-to-image latent diffusion family trained on emoji (${styleTitles()}) by this project, on CPU.`,
    resolution: { width: 64, height: 64, channels: 3 },
    background: 'white',
    // The scaling factor is 1 until the autoencoder's training measures the latents' spread.
    latent: { channels: 4, height: 16, width: 16, scalingFactor: 1 },
    tokenizer: emojiTokenizerConfig(),
    inversionSpaces: ['noise', 'text-embedding', 'weights', 'latent'],
    lora: [],
    license: emojiLicense(),
    dataset: emojiDataset('captions "<unicode name>[, <tone> skin tone], <style> style".'),
    components: {},
  };
}

/**
 * The GAN pack's manifest around its generator and evaluator (a stylegan pack always has both): the
 * class list in one-hot order, the evaluator's tokenizer, the GAN family's inversion spaces, LoRA on
 * every modulated convolution.
 */
export function emojiGanPackBase(
  config: GanConfig,
  classes: readonly string[],
  components: { generator: Omit<ComponentEntry, 'architecture'>; evaluator: ComponentEntry },
  tokenizer: TokenizerConfig,
): GanManifest {
  return {
    schemaVersion: 1,
    name: EMOJI_GAN_PACK_NAME,
    family: 'stylegan',
    description: `A small class-conditional StyleGAN2-like generator trained on emoji (${styleTitles()}) by this project, on CPU; conditioned on the emoji's Unicode sub-category.`,
    resolution: { width: config.resolution, height: config.resolution, channels: config.imageChannels },
    background: 'white',
    classes: [...classes],
    tokenizer,
    inversionSpaces: ['z', 'w', 'w+', 's', 'f', 'weights'],
    lora: [{ component: 'generator', kind: 'conv', layers: ganLoraLayers(config) }],
    license: emojiLicense(),
    dataset: emojiDataset(`labels: the emoji's Unicode sub-category (${classes.length} of them, the generator's classes).`),
    components: { generator: { ...components.generator, architecture: ganGeneratorArchitecture(config) }, evaluator: components.evaluator },
  };
}
