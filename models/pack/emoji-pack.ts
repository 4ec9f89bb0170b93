// The built-in pack's fixed facts (Node: the vocabulary and hold-out come from the dataset):
// what a fresh manifest.json starts as before any component is exported into it.
import { readHoldout } from '../data/emoji.ts';
import { emojiTokenizerConfig } from '../text/emoji-vocab.ts';
import type { Manifest } from './manifest.ts';

export const EMOJI_PACK_NAME = 'emoji-diffusion';

export const EMOJI_ATTRIBUTION =
  'Trained on Twemoji by Twitter, Inc. and other contributors (CC-BY 4.0, https://github.com/twitter/twemoji) and ' +
  'Noto Emoji by Google (Apache-2.0, https://github.com/googlefonts/noto-emoji), through the npm packages ' +
  'emoji-datasource-twitter and emoji-datasource-google.';

export function emojiPackBase(): Manifest {
  const holdout = readHoldout();
  return {
    schemaVersion: 1,
    name: EMOJI_PACK_NAME,
    family: 'latent-diffusion',
    description: 'A small text-to-image latent diffusion family trained on emoji (Twemoji and Noto styles) by this project, on CPU.',
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
      data: [
        { name: 'Twemoji', author: 'Twitter, Inc. and other contributors', license: 'CC-BY-4.0', url: 'https://github.com/twitter/twemoji', package: 'emoji-datasource-twitter' },
        { name: 'Noto Emoji', author: 'Google', license: 'Apache-2.0', url: 'https://github.com/googlefonts/noto-emoji', package: 'emoji-datasource-google' },
      ],
      attribution: EMOJI_ATTRIBUTION,
    },
    dataset: {
      description:
        'Every 64×64 image of emoji-datasource-twitter and emoji-datasource-google 16.0.0 (1,911 base emoji and their skin-tone ' +
        'variants, both styles), composited on white; captions "<unicode name>[, <tone> skin tone], <twemoji|noto> style". ' +
        `${holdout.concepts.length} concepts are held out of all training (models/data/holdout.json).`,
      heldOutConcepts: holdout.concepts.map((c) => c.concept),
    },
    components: {},
  };
}
