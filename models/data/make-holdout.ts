// Writes holdout.json once (npx tsx models/data/make-holdout.ts). The file is the split from then
// on: re-running with the same seed and the same emoji packages reproduces it byte for byte.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { emojiRecords } from './emoji.ts';
import { chooseHoldout, type Holdout, HOLDOUT_COUNT, HOLDOUT_SEED } from './split.ts';

const holdout: Holdout = {
  seed: HOLDOUT_SEED,
  note:
    'Concepts held out of every model in the emoji-diffusion pack (both styles, all skin tones): the personalization ' +
    'benchmark. Drawn by chooseHoldout (models/data/split.ts) from emoji-datasource-twitter 16.0.0, spread over categories.',
  concepts: chooseHoldout(emojiRecords('twemoji'), HOLDOUT_COUNT, HOLDOUT_SEED),
};
const file = join(dirname(fileURLToPath(import.meta.url)), 'holdout.json');
writeFileSync(file, `${JSON.stringify(holdout, null, 2)}\n`);
console.log(`wrote ${holdout.concepts.length} held-out concepts to ${file}`);
