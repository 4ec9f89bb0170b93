// npm run train -- <model> [--steps N] [--batch B] [--lr X] [--threads T] [--resume]
//                          [--checkpoints DIR] [--out DIR] [--checkpoint-every K] [--smoke] [--no-export] [--export-only]
//                          [--gan-checkpoint DIR] [--quantizer fsq|vq]
// Retrains one component of the built-in pack from scratch (or continues with --resume). The model
// is the name of a models/train/<model>.train.ts file that exports `train(options)`; adding a model
// is adding such a file. Ctrl-C stops after the current step and writes a checkpoint. A module that
// also exports `exportOnly(options)` can write its pack from the checkpoint alone (--export-only).
// The diffusion components go into public/models/emoji-diffusion, the GAN into public/models/emoji-gan,
// the AR family (ar: the transformer and, with it, the image tokenizer) into public/models/emoji-ar.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { MissingDataError } from '../data/data-packages.ts';
import { cacheRoot } from '../data/pixels.ts';
import { EMOJI_AR_PACK_DIR, EMOJI_GAN_PACK_DIR, EMOJI_PACK_DIR } from '../pack/write.ts';
import { formatDuration } from './progress.ts';
import { type ExportOnlyFn, type TrainFn, trainOptionsSchema } from './options.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const SUFFIX = '.train.ts';

export const availableModels = () =>
  readdirSync(HERE)
    .filter((f) => f.endsWith(SUFFIX))
    .map((f) => f.slice(0, -SUFFIX.length))
    .sort();

export async function loadTrainer(model: string): Promise<TrainFn> {
  const models = availableModels();
  if (!models.includes(model)) throw new Error(`unknown model "${model}"; available: ${models.join(', ')}`);
  const mod = (await import(pathToFileURL(join(HERE, `${model}${SUFFIX}`)).href)) as { train?: unknown };
  if (typeof mod.train !== 'function') throw new Error(`models/train/${model}${SUFFIX} does not export train(options)`);
  return mod.train as TrainFn;
}

export async function loadExportOnly(model: string): Promise<ExportOnlyFn> {
  await loadTrainer(model);
  const mod = (await import(pathToFileURL(join(HERE, `${model}${SUFFIX}`)).href)) as { exportOnly?: unknown };
  if (typeof mod.exportOnly !== 'function') throw new Error(`--export-only: models/train/${model}${SUFFIX} has no export step of its own (it exports when training ends)`);
  return mod.exportOnly as ExportOnlyFn;
}

/** The pack a model exports into by default; a smoke run's lives in the cache, never in the repository. */
function defaultPack(model: string, smoke: boolean): string {
  const family = model === 'gan' ? 'gan' : model === 'ar' ? 'ar' : null;
  if (smoke) return join(cacheRoot(), family ? `smoke-${family}-pack` : 'smoke-pack');
  return family === 'gan' ? EMOJI_GAN_PACK_DIR : family === 'ar' ? EMOJI_AR_PACK_DIR : EMOJI_PACK_DIR;
}

const USAGE = `usage: npm run train -- <model> [--steps N] [--batch B] [--lr X] [--threads T] [--resume]
                        [--checkpoints DIR] [--out DIR] [--checkpoint-every K] [--smoke] [--no-export] [--export-only]
                        [--gan-checkpoint DIR] [--quantizer fsq|vq]`;

export function parseTrainArgs(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      steps: { type: 'string' },
      batch: { type: 'string' },
      lr: { type: 'string' },
      threads: { type: 'string' },
      resume: { type: 'boolean' },
      checkpoints: { type: 'string' },
      out: { type: 'string' },
      'checkpoint-every': { type: 'string' },
      smoke: { type: 'boolean' },
      'no-export': { type: 'boolean' },
      'export-only': { type: 'boolean' },
      'gan-checkpoint': { type: 'string' },
      quantizer: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals.length !== 1) return null;
  const num = (s: string | undefined) => (s === undefined ? undefined : Number(s));
  // A smoke run must never replace a real checkpoint or the shipped pack, so its defaults differ.
  const smoke = values.smoke ?? false;
  const options = trainOptionsSchema.parse({
    steps: num(values.steps),
    batch: num(values.batch),
    lr: num(values.lr),
    threads: num(values.threads),
    resume: values.resume ?? false,
    checkpoints: values.checkpoints ?? join(cacheRoot(), smoke ? 'smoke-checkpoints' : 'checkpoints'),
    out: values.out ?? defaultPack(positionals[0], smoke),
    checkpointEvery: num(values['checkpoint-every']),
    smoke,
    noExport: values['no-export'] ?? false,
    exportOnly: values['export-only'] ?? false,
    ganCheckpoint: values['gan-checkpoint'],
    quantizer: values.quantizer,
  });
  if (options.exportOnly && options.noExport) throw new Error('--export-only and --no-export contradict each other');
  return { model: positionals[0], options };
}

async function main() {
  const args = parseTrainArgs(process.argv.slice(2));
  if (!args) {
    console.error(`${USAGE}\nmodels: ${availableModels().join(', ')}`);
    process.exit(2);
  }
  const train = args.options.exportOnly ? await loadExportOnly(args.model) : await loadTrainer(args.model);
  const stop = new AbortController();
  process.on('SIGINT', () => {
    if (stop.signal.aborted) process.exit(130); // a second Ctrl-C does not wait
    console.error(`\n[${args.model}] stopping after this step (Ctrl-C again to quit at once)…`);
    stop.abort();
  });
  process.on('SIGTERM', () => stop.abort());
  const r = await train({ ...args.options, signal: stop.signal, log: (l) => console.error(l) });
  console.error(
    `[${args.model}] ${r.interrupted ? 'interrupted' : 'done'} at step ${r.step}/${r.totalSteps}, recent loss ${r.recentLoss.toPrecision(4)}, ` +
      `wall time ${formatDuration(r.wallTimeSeconds)}${r.exported ? `, exported ${r.exported.weights}` : ''}`,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  // Without the training data installed, say how to install it rather than print a stack trace.
  await main().catch((e: unknown) => {
    if (!(e instanceof MissingDataError)) throw e;
    console.error(e.message);
    process.exit(1);
  });
}
