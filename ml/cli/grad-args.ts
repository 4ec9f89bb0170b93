// Argument parsing for the grad command, kept pure (argv in, options or a UsageError out) so
// every rule is unit-tested without spawning a process.
import { parseArgs } from 'node:util';

export interface GradArgs {
  model: string;
  loss: string;
  wrt: string[];
  out: string;
  /** Sizes for symbolic dimensions, e.g. { batch: 2 }. */
  dims: Record<string, number>;
  /** Write the chosen initializers as plain inputs, without their stored values. */
  stripDefaults: boolean;
}

export type ParsedGradArgs = { help: true } | { help: false; args: GradArgs };

/** Exit code for bad arguments, distinct from 1 (the model could not be differentiated). */
export const USAGE_EXIT = 2;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const GRAD_HELP = `Usage: npm run grad -- <model.onnx> --loss <output> --wrt <name>[,<name>...] -o <out.onnx> [--dim <name>=<size> ...]

Writes a model that computes the original outputs plus, for each name in --wrt, an output
<name>_grad = d sum(<loss>) / d <name>. The new model has the same inputs; initializers
named in --wrt become inputs of the same name that default to their stored values.

Options:
  --loss <output>          output whose sum is differentiated
  --wrt <names>            float inputs or initializers, comma-separated or repeated
  -o, --out <file>         where to write the gradient model
  --dim <name>=<size>      size of a symbolic dimension (e.g. --dim batch=4); repeatable,
                           or comma-separated (--dim batch=4,seq=77)
  --strip-defaults         write the chosen initializers as plain inputs without their stored
                           values (every run must feed them). Use it to feed new weights from
                           onnxruntime's JavaScript API, which ignores feeds for inputs that
                           have a stored value (Python's onnxruntime honours them).
  -h, --help               show this help

Exit codes: 0 success; 1 the model could not be read or differentiated (for example an
operator without a gradient rule: each such node is listed); 2 bad arguments.`;

const nonEmpty = (s: string) => s.trim().length > 0;

/** Splits comma lists and repeated flags into one list of trimmed names. */
function names(values: string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).map((s) => s.trim()).filter(nonEmpty);
}

export function parseDims(values: readonly string[]): Record<string, number> {
  const dims: Record<string, number> = {};
  for (const item of values.flatMap((v) => v.split(',')).filter(nonEmpty)) {
    const m = /^\s*([^=\s]+)\s*=\s*(\S+)\s*$/.exec(item);
    if (!m) throw new UsageError(`--dim expects <name>=<size>, got "${item}"`);
    const [, name, size] = m;
    const n = Number(size);
    if (!/^\d+$/.test(size) || !Number.isSafeInteger(n) || n < 1)
      throw new UsageError(`--dim ${name}: size must be a positive whole number, got "${size}"`);
    if (name in dims && dims[name] !== n) throw new UsageError(`--dim ${name} is given twice, as ${dims[name]} and ${n}`);
    dims[name] = n;
  }
  return dims;
}

export function parseGradArgs(argv: readonly string[]): ParsedGradArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        loss: { type: 'string' },
        wrt: { type: 'string', multiple: true },
        out: { type: 'string', short: 'o' },
        dim: { type: 'string', multiple: true },
        'strip-defaults': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    // parseArgs' messages are already specific ("Unknown option '--foo'", "Option '--loss <value>' argument missing").
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return { help: true };

  if (positionals.length === 0) throw new UsageError('missing the input model (a .onnx file)');
  if (positionals.length > 1) throw new UsageError(`expected one input model, got ${positionals.length}: ${positionals.join(' ')}`);
  const loss = values.loss?.trim();
  if (!loss) throw new UsageError('missing --loss <output>');
  const wrt = names(values.wrt);
  if (!wrt.length) throw new UsageError('missing --wrt <name>[,<name>...]');
  const dup = wrt.find((w, i) => wrt.indexOf(w) !== i);
  if (dup) throw new UsageError(`--wrt names "${dup}" twice`);
  const out = values.out?.trim();
  if (!out) throw new UsageError('missing -o <out.onnx>');
  if (out === positionals[0]) throw new UsageError('refusing to overwrite the input model; choose another -o');
  return {
    help: false,
    args: {
      model: positionals[0],
      loss,
      wrt,
      out,
      dims: parseDims(values.dim ?? []),
      stripDefaults: values['strip-defaults'] ?? false,
    },
  };
}
