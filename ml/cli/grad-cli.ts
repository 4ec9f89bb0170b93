// npm run grad -- <model.onnx> --loss <output> --wrt <names> -o <out.onnx> [--dim name=size ...] [--external-data]
// Thin shell around parseGradArgs and gradModel: file I/O, messages and exit codes.
import { readFileSync, writeFileSync } from 'node:fs';
import { UnsupportedOpsError } from '../grad/grad.ts';
import { fmtShape } from '../ir.ts';
import { externalFilesBeside } from '../onnx/external-files.ts';
import { needsExternalData, tensorBytes } from '../onnx/serialize.ts';
import { writeOnnxWithExternalData } from '../onnx/write-external.ts';
import { GRAD_HELP, parseGradArgs, USAGE_EXIT, UsageError } from './grad-args.ts';
import { gradModel } from './grad-model.ts';

function fail(message: string, code: number): never {
  process.stderr.write(`grad: ${message}\n`);
  process.exit(code);
}

const EXTERNAL_FLAG = '--external-data';
const HELP = GRAD_HELP.replace(
  '  -h, --help',
  `  ${EXTERNAL_FLAG}          keep the weights in <out>.data beside the model (ONNX external data);
                           done anyway when they pass ~1.9 GB, as one .onnx file holds 2 GB at most
  -h, --help`,
);

const fmtBytes = (n: number) => (n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1024).toFixed(0)} KB`);

function main(argv: string[]) {
  const forceExternal = argv.includes(EXTERNAL_FLAG);
  let parsed;
  try {
    parsed = parseGradArgs(argv.filter((a) => a !== EXTERNAL_FLAG));
  } catch (e) {
    if (e instanceof UsageError) fail(`${e.message}\n\n${HELP}`, USAGE_EXIT);
    throw e;
  }
  if (parsed.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const { model, loss, wrt, out, dims, stripDefaults } = parsed.args;

  let bytes: Uint8Array;
  try {
    bytes = readFileSync(model);
  } catch (e) {
    fail(`cannot read ${model}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`, 1);
  }

  let result;
  const external = externalFilesBeside(model);
  try {
    result = gradModel(bytes, { loss, wrt, dims, keepDefaults: !stripDefaults, external: external.read });
  } catch (e) {
    if (e instanceof UnsupportedOpsError)
      fail(`cannot differentiate ${model}: ${e.message}\n(the gradient of "${loss}" flows through these operators, which have no gradient rule)`, 1);
    fail(`cannot differentiate ${model}: ${(e as Error).message}`, 1);
  } finally {
    external.close();
  }

  const g = result.graph;
  const writeOpts = { keepDefaults: !stripDefaults };
  const toSideFile = forceExternal || needsExternalData(g, writeOpts);
  let wrote;
  try {
    if (toSideFile) {
      const w = writeOnnxWithExternalData(g, out, writeOpts);
      const why = forceExternal ? '' : ` (its ${fmtBytes(tensorBytes(g, writeOpts))} of weights pass the ~1.9 GB one .onnx file can hold)`;
      wrote = `wrote ${out} (${fmtBytes(w.modelBytes)}, ${g.nodes.length} nodes) with its weights in ${w.dataPath} (${fmtBytes(w.dataBytes)})${why}`;
    } else {
      writeFileSync(out, result.bytes);
      wrote = `wrote ${out} (${fmtBytes(result.bytes.byteLength)}, ${g.nodes.length} nodes)`;
    }
  } catch (e) {
    fail(`cannot write ${out}: ${(e as Error).message}`, 1);
  }
  const describe = (n: string) => `  ${n} ${fmtShape(g.values.get(n)!.shape)}${result.trainable.includes(n) ? (stripDefaults ? ' (weight: feed it)' : ' (defaults to the stored weight)') : ''}`;
  process.stdout.write(`${wrote}\ninputs:\n${g.inputs.map(describe).join('\n')}\noutputs:\n${g.outputs.map(describe).join('\n')}\n`);
}

main(process.argv.slice(2));
