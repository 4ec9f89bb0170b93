// Measures the pack's evaluator as shipped (the float16 weights in the pack, widened) on the fixed
// 200-concept retrieval set (models/evaluator/retrieval-set.ts): image→caption top-1/top-5 among the
// 200 captions of each style, caption→image top-5, CLIP-T of the real images, and CLIP-I between the
// two styles of each concept. Writes the numbers into the manifest's evaluator metrics.
//   npx tsx models/eval/evaluator.eval.ts [--pack DIR] [--threads N] [--dry-run]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { nodeBackend } from '../../ml/session/node.ts';
import { STYLES } from '../data/catalog.ts';
import { loadEmojiDataset } from '../data/emoji.ts';
import { loadPixels, pixelBatch } from '../data/pixels.ts';
import { CLIP_KIND, clipWeightShapes, configFromArchitecture } from '../evaluator/architecture.ts';
import { ClipEmbedder } from '../evaluator/embed.ts';
import { evaluateRetrieval } from '../evaluator/evaluate.ts';
import { retrievalSet } from '../evaluator/retrieval-set.ts';
import { loadPack } from '../pack/load.ts';
import { EMOJI_PACK_DIR, recordMetrics } from '../pack/write.ts';
import { Tokenizer } from '../text/tokenizer.ts';

export async function evaluateEvaluator(packDir: string, threads = 1): Promise<Record<string, number>> {
  const pack = await loadPack(async (f) => new Uint8Array(readFileSync(join(packDir, f))), {
    architectures: { [CLIP_KIND]: clipWeightShapes },
    components: ['evaluator'],
  });
  const config = configFromArchitecture(pack.manifest.components.evaluator!.architecture);
  const tokenizer = new Tokenizer(pack.manifest.tokenizer);
  const items = loadEmojiDataset({ split: 'train' });
  const set = retrievalSet(items, STYLES);
  const chosen = Object.values(set.byStyle).flat();
  const store = await loadPixels(chosen);
  const index = new Map(chosen.map((it, i) => [it.id, i]));
  const embedder = await ClipEmbedder.create(config, pack.weights.evaluator!, { backend: nodeBackend, session: { threads } });
  try {
    return await evaluateRetrieval(embedder, {
      byStyle: set.byStyle,
      pixels: (its) => pixelBatch(store, its.map((it) => index.get(it.id)!)).data as Float32Array,
      encode: (c) => tokenizer.encode(c).ids,
    });
  } finally {
    await embedder.release();
  }
}

async function main() {
  const { values } = parseArgs({ options: { pack: { type: 'string' }, threads: { type: 'string' }, 'dry-run': { type: 'boolean' } } });
  const dir = values.pack ?? EMOJI_PACK_DIR;
  const metrics = await evaluateEvaluator(dir, Number(values.threads ?? 1));
  for (const [k, v] of Object.entries(metrics)) console.log(`${k.padEnd(36)} ${v.toFixed(4)}`);
  if (!values['dry-run']) {
    recordMetrics(dir, 'evaluator', metrics);
    console.log(`metrics written to ${join(dir, 'manifest.json')}`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
