// The grad command as a user runs it: a process, its messages and exit codes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GraphBuilder, type Value } from '../builder.ts';
import { NON_DIFFERENTIABLE, RULES } from '../grad/rules.ts';
import { findOp } from '../ops/registry.ts';
import { onnx } from '../onnx/proto.ts';
import { toOnnxBytes } from '../onnx/serialize.ts';
import { decodeModel } from './grad-model.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'ml', 'cli', 'grad-cli.ts');
const CONVNET = join(ROOT, 'test', 'fixtures', 'torch', 'convnet_groupnorm.onnx');
const dir = mkdtempSync(join(tmpdir(), 'grad-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A model whose nodes use operators no engine knows. */
function unknownOpsModel(): Uint8Array {
  const vi = (name: string) => ({ name, type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 2 }] } } } });
  return onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      graph: {
        name: 'g',
        node: [
          { opType: 'Frobnicate', name: 'first', input: ['x'], output: ['h'] },
          { opType: 'Defrobnicate', name: 'second', input: ['h'], output: ['y'] },
        ],
        input: [vi('x')],
        output: [vi('y')],
      },
    }),
  ).finish();
}

/**
 * A model with two nodes of an operator the engine runs but has no gradient rule for, or null when
 * every candidate has gained a rule. The candidates are ones few models need gradients through.
 */
function noGradientModel(): { bytes: Uint8Array; op: string } | null {
  const candidates: Record<string, (x: Value, name: string) => Value> = {
    ReduceProd: (x, name) => x.b.op1('ReduceProd', [x], { keepdims: 1 }, { name }),
    GlobalMaxPool: (x, name) => x.b.op1('GlobalMaxPool', [x], {}, { name }),
    Mod: (x, name) => x.b.op1('Mod', [x, x.b.scalar(0.7)], { fmod: 1 }, { name }),
  };
  const op = Object.keys(candidates).find((o) => findOp(o) && !RULES[o] && !NON_DIFFERENTIABLE.has(o));
  if (!op) return null;
  const b = new GraphBuilder('no_gradient');
  const x = b.input('x', 'float32', [1, 2, 3, 3]);
  const first = candidates[op](x, 'first');
  const second = candidates[op](b.op1('Relu', [x]), 'second');
  b.output(b.op1('Add', [first, second]), 'y');
  return { bytes: toOnnxBytes(b.build()), op };
}

describe('grad CLI', { timeout: 60_000 }, () => {
  it('prints help with exit code 0', () => {
    const r = run('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: npm run grad/);
    expect(r.stdout).toMatch(/Exit codes/);
  });

  it('exits 2 on bad arguments, saying what is wrong', () => {
    const r = run(CONVNET, '--wrt', 'x', '-o', join(dir, 'g.onnx'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing --loss/);
  });

  it('exits 1 when the model cannot be read', () => {
    const missing = run(join(dir, 'nope.onnx'), '--loss', 'y', '--wrt', 'x', '-o', join(dir, 'g.onnx'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot read .*nope\.onnx: no such file/);

    const junk = join(dir, 'junk.onnx');
    writeFileSync(junk, 'this is not a protobuf message at all, just text\n');
    const bad = run(junk, '--loss', 'y', '--wrt', 'x', '-o', join(dir, 'g.onnx'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/cannot differentiate .*junk\.onnx: not an ONNX model/);
  });

  it('exits 1 naming each operator and node it cannot handle', () => {
    const m = join(dir, 'unknown.onnx');
    writeFileSync(m, unknownOpsModel());
    const r = run(m, '--loss', 'y', '--wrt', 'x', '-o', join(dir, 'g.onnx'));
    expect(r.code).toBe(1);
    for (const s of ['Frobnicate', 'first', 'Defrobnicate', 'second']) expect(r.stderr).toContain(s);
  });

  it('exits 1 listing each node whose operator has no gradient rule', (ctx) => {
    const model = noGradientModel();
    if (!model) return ctx.skip();
    const m = join(dir, 'nograd.onnx');
    writeFileSync(m, model.bytes);
    const r = run(m, '--loss', 'y', '--wrt', 'x', '-o', join(dir, 'g.onnx'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no gradient for 2 nodes/);
    expect(r.stderr).toContain(`${model.op} (node "first")`);
    expect(r.stderr).toContain(`${model.op} (node "second")`);
  });

  it('exits 1 when a name is wrong, saying which names exist', () => {
    const r = run(CONVNET, '--loss', 'z', '--wrt', 'x', '-o', join(dir, 'g.onnx'), '--dim', 'batch=1');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no output "z"; its outputs: y/);
  });

  it('writes a model with the original outputs plus one gradient per name', () => {
    const out = join(dir, 'convnet_grad.onnx');
    const r = run(CONVNET, '--loss', 'y', '--wrt', 'x,conv_in.weight', '-o', out, '--dim', 'batch=2');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const m = decodeModel(readFileSync(out));
    const byName = (xs: { name: string; dims: unknown[] }[]) => Object.fromEntries(xs.map((i) => [i.name, i.dims]));
    expect(byName(m.inputs)).toEqual({ x: [2, 3, 8, 8], 'conv_in.weight': [8, 3, 3, 3] });
    expect(m.initializers.has('conv_in.weight')).toBe(true);
    // The original outputs first, then the gradients in --wrt order.
    expect(m.outputs.map((o) => [o.name, o.dims])).toEqual([
      ['y', [2, 3, 8, 8]],
      ['x_grad', [2, 3, 8, 8]],
      ['conv_in.weight_grad', [8, 3, 3, 3]],
    ]);
  });
});
