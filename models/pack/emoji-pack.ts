// The built-in pack's fixed facts (Node: the vocabulary and hold-out come from the dataset):
// what a fresh manifest.json starts as before any component is exported into it.
import { STYLE_SOURCE, STYLES } from '../data/catalog.ts';
import { readHoldout } from '../data/emoji.ts';
import { emojiTokenizerConfig } from '../text/emoji-vocab.ts';
import type { Manifest } from './manifest.ts';

export const EMOJI_PACK_NAME = 'emoji-diffusion';

const LICENSE_NAMES: Record<string, string> = { 'CC-BY-4.0': 'CC-BY 4.0', MIT: 'MIT', 'Apache-2.0': 'Apache-2.0' };

/** One sentence crediting every style's images: author, licence, source and the npm package. */
export const EMOJI_ATTRIBUTION =
  'Trained on ' +
  STYLES.map((s) => {
    const c = STYLE_SOURCE[s];
    return `${c.title} by ${c.author} (${LICENSE_NAMES[c.license] ?? c.license}, ${c.url}; npm ${c.pkg})`;
  }).join(', ') +
  '; images rasterized to 64×64 and composited on white.';

export function emojiPackBase(): Manifest {
  const holdout = readHoldout();
  return {
    schemaVersion: 1,
    name: EMOJI_PACK_NAME,
    family: 'latent-diffusion',
    description: `A small text-to-image latent diffusion family trained on emoji (${STYLES.map((st) => STYLE_SOURCE[st].title).join(', ')}) by this project, on CPU.`,
    resolution: { width: 64, height: 64, channels: 3 },
    background: 'white',
    // The scaling factor is 1 until the autoencoder's training measures the latents' spread.
    latent: { channels: 4, height: 16, width: 16, scalingFactor: 1 },
    tokenizer: emojiTokenizerConfig(),
    inversionSpaces: ['noise', 'text-embedding', 'weights', 'latent'],
    lora: [],
    license: {
      // The weights are derived from CC-BY 4.0 images, so they carry the same licence and credit.
      weights: 'CC-BY-4.0',
      data: STYLES.map((st) => {
        const c = STYLE_SOURCE[st];
        return { name: c.title, author: c.author, license: c.license, url: c.url, package: c.pkg };
      }),
      attribution: EMOJI_ATTRIBUTION,
    },
    dataset: {
      description:
        `Every 64×64 image of ${STYLES.length} emoji styles of the same concepts (${STYLES.map((st) => `${st}: ${STYLE_SOURCE[st].pkg}`).join('; ')}), ` +
        'the SVG sets rasterized, all composited on white; captions "<unicode name>[, <tone> skin tone], <style> style". ' +
        `${holdout.concepts.length} concepts are held out of all training in every style (models/data/holdout.json). ` +
        'Per-style counts: npm run data:report.',
      heldOutConcepts: holdout.concepts.map((c) => c.concept),
    },
    components: {},
  };
}
