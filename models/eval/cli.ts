// npm run eval:models [-- <name>…] [--pack DIR] [--evaluator DIR] [--threads T] [--quick] [--samples N] [--json] [--record] [--docs DIR]
// Runs the pack's evaluations (every models/eval/<name>.eval.ts, or the ones named) and prints one
// table of their numbers, or JSON with --json. An evaluation whose components are not trained yet
// is reported as skipped, not failed, so the command is useful while the pack is being built.
// A plain run only prints: --record writes the numbers into the pack's manifest and the figures
// (sample sheets) into docs/; --docs DIR writes the figures to DIR. Each evaluation measures the
// pack it names as its default (the diffusion pack, the GAN pack for `gan`, the AR pack for `ar`)
// unless --pack says. --evaluator DIR scores with the evaluator of the diffusion pack in DIR (one
// ruler for an old pack and its successor); such numbers are not the pack's own, so --record refuses it.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { MissingDataError } from '../data/data-packages.ts';
import { EMOJI_PACK_DIR } from '../pack/write.ts';
import { type EvalFn, evalOptionsSchema, type EvalResult, evalResultSchema } from './options.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const SUFFIX = '.eval.ts';

export const availableEvals = () =>
  readdirSync(HERE)
    .filter((f) => f.endsWith(SUFFIX))
    .map((f) => f.slice(0, -SUFFIX.length))
    .sort();

/** The module's evaluate(options) (null when it exports none: a script run on its own) and its pack. */
async function loadEval(name: string): Promise<{ evaluate: EvalFn | null; packDir?: string }> {
  const mod = (await import(pathToFileURL(join(HERE, `${name}${SUFFIX}`)).href)) as { evaluate?: unknown; defaultPackDir?: unknown };
  return {
    evaluate: typeof mod.evaluate === 'function' ? (mod.evaluate as EvalFn) : null,
    ...(typeof mod.defaultPackDir === 'string' ? { packDir: mod.defaultPackDir } : {}),
  };
}

/** The table: one row per metric, grouped by evaluation. */
export function formatTable(results: readonly EvalRow[]): string {
  const lines: string[] = [];
  for (const r of results) {
    if ('skipped' in r) {
      lines.push(`${r.name}: skipped (${r.skipped})`);
      continue;
    }
    lines.push(`${r.name} (${r.component})`);
    const width = Math.max(...Object.keys(r.metrics).map((k) => k.length));
    for (const [k, v] of Object.entries(r.metrics)) {
      const note = r.notes?.[k] ? `  ${r.notes[k]}` : '';
      lines.push(`  ${k.padEnd(width)}  ${fmt(v).padStart(10)}${note}`);
    }
  }
  return lines.join('\n');
}

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(4));

/** The evaluations to run and their options, from the command line. */
export function parseEvalArgs(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      pack: { type: 'string' },
      evaluator: { type: 'string' },
      threads: { type: 'string' },
      quick: { type: 'boolean' },
      samples: { type: 'string' },
      json: { type: 'boolean' },
      record: { type: 'boolean' },
      docs: { type: 'string' },
    },
  });
  const names = positionals.length ? positionals : availableEvals();
  const unknown = names.filter((n) => !availableEvals().includes(n));
  if (unknown.length) throw new Error(`unknown evaluation ${unknown.join(', ')}; available: ${availableEvals().join(', ')}`);
  const record = values.record ?? false;
  if (record && values.evaluator !== undefined) throw new Error('--record keeps a pack\'s numbers as measured by its own evaluator; with --evaluator they are another ruler\'s, so the two do not go together');
  const opts = evalOptionsSchema.parse({
    packDir: values.pack ?? EMOJI_PACK_DIR,
    threads: values.threads === undefined ? undefined : Number(values.threads),
    quick: values.quick ?? false,
    samples: values.samples === undefined ? undefined : Number(values.samples),
    record,
    docsDir: values.docs ?? (record ? join(HERE, '..', '..', 'docs') : undefined),
    evaluatorDir: values.evaluator,
  });
  return { names, opts, json: values.json ?? false, packGiven: values.pack !== undefined };
}

export type EvalRow = { name: string } & (EvalResult | { skipped: string });

/** Runs the evaluations a command line names; returns their rows and whether JSON was asked for. */
export async function runEvals(argv: string[], log: (line: string) => void = (l) => console.error(l)): Promise<{ results: EvalRow[]; json: boolean }> {
  const { names, opts, json, packGiven } = parseEvalArgs(argv);
  const results: EvalRow[] = [];
  for (const name of names) {
    const { evaluate, packDir } = await loadEval(name);
    if (!evaluate) {
      results.push({ name, skipped: `models/eval/${name}${SUFFIX} does not export evaluate(options)` });
      continue;
    }
    try {
      results.push({ name, ...evalResultSchema.parse(await evaluate({ ...opts, ...(packDir && !packGiven ? { packDir } : {}), log })) });
    } catch (e) {
      // A pack without the component yet is a skip; anything else is a real failure.
      const msg = (e as Error).message;
      if (/is not in this pack|cannot read manifest\.json/.test(msg)) results.push({ name, skipped: msg });
      else throw e;
    }
  }
  return { results, json };
}

async function main() {
  const { results, json } = await runEvals(process.argv.slice(2));
  console.log(json ? JSON.stringify(results, null, 2) : formatTable(results));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  // Without the training data installed, say how to install it rather than print a stack trace.
  await main().catch((e: unknown) => {
    if (!(e instanceof MissingDataError)) throw e;
    console.error(e.message);
    process.exit(1);
  });
}
