// npm run grad -- <model.onnx> --loss <output> --wrt <names> -o <out.onnx> [--dim name=size ...]
// Thin shell around parseGradArgs and gradModel: file I/O, messages and exit codes.
import { readFileSync, writeFileSync } from 'node:fs';
import { UnsupportedOpsError } from '../grad/grad.ts';
import { fmtShape } from '../ir.ts';
import { externalFilesBeside } from '../onnx/external-files.ts';
import { GRAD_HELP, parseGradArgs, USAGE_EXIT, UsageError } from './grad-args.ts';
import { gradModel } from './grad-model.ts';

function fail(message: string, code: number): never {
  process.stderr.write(`grad: ${message}\n`);
  process.exit(code);
}

function main(argv: string[]) {
  let parsed;
  try {
    parsed = parseGradArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) fail(`${e.message}\n\n${GRAD_HELP}`, USAGE_EXIT);
    throw e;
  }
  if (parsed.help) {
    process.stdout.write(`${GRAD_HELP}\n`);
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

  try {
    writeFileSync(out, result.bytes);
  } catch (e) {
    fail(`cannot write ${out}: ${(e as Error).message}`, 1);
  }
  const g = result.graph;
  const describe = (n: string) => `  ${n} ${fmtShape(g.values.get(n)!.shape)}${result.trainable.includes(n) ? (stripDefaults ? ' (weight: feed it)' : ' (defaults to the stored weight)') : ''}`;
  process.stdout.write(
    `wrote ${out} (${(result.bytes.byteLength / 1024).toFixed(0)} KB, ${g.nodes.length} nodes)\n` +
      `inputs:\n${g.inputs.map(describe).join('\n')}\noutputs:\n${g.outputs.map(describe).join('\n')}\n`,
  );
}

main(process.argv.slice(2));
