// npm run data:report [-- --json] [--styles twemoji,fluent]
// Prints the emoji dataset per style: images, concepts, skin-tone variants, and the held-in /
// held-out split (the 30 held-out concepts are out of every model in every style). Reads only the
// catalog (no pixels), so it is quick; it fails with the install command when the data is missing.
import { parseArgs } from 'node:util';
import { type EmojiStyle, styleSchema, STYLES } from './catalog.ts';
import { MissingDataError } from './data-packages.ts';
import { heldOutConcepts, loadEmojiDataset } from './emoji.ts';
import { datasetStats, formatStats } from './stats.ts';

function main() {
  const { values } = parseArgs({ options: { json: { type: 'boolean' }, styles: { type: 'string' } } });
  const styles: EmojiStyle[] = values.styles ? values.styles.split(',').map((s) => styleSchema.parse(s.trim())) : [...STYLES];
  try {
    const stats = datasetStats(styles, loadEmojiDataset({ split: 'all', styles }), heldOutConcepts());
    console.log(values.json ? JSON.stringify(stats, null, 2) : formatStats(stats));
  } catch (e) {
    if (!(e instanceof MissingDataError)) throw e;
    console.error(e.message);
    process.exit(1);
  }
}

main();
