// Gradients of PyTorch-exported models, taken by the engine, against PyTorch autograd.
// The fixtures (scripts/make_torch_fixtures.py) are committed, so this needs no Python.
// With TORCH_LIVE=1 and PyTorch at /usr/bin/python3, it also regenerates them into a
// temporary directory and checks those, which catches a drift between the script and the files.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DType } from '../ml/dtype.ts';
import { gradModel } from '../ml/cli/grad-model.ts';
import { nodeBackend } from '../ml/session/node.ts';
import type { Backend } from '../ml/session/session.ts';
import { configureWasm, webBackend } from '../ml/session/web.ts';
import { tensor, type Tensor } from '../ml/tensor.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'torch');
const PYTHON = '/usr/bin/python3';
const TOLERANCE = 1e-3;

interface JsonTensor {
  dtype: DType;
  shape: number[];
  data: number[];
}
interface Fixture {
  model: string;
  opset: number;
  loss: string;
  dims: Record<string, number>;
  inputs: Record<string, JsonTensor>;
  outputs: Record<string, JsonTensor>;
  grads: Record<string, JsonTensor>;
}

const toTensor = (t: JsonTensor): Tensor => tensor(t.dtype, t.shape, t.data);

/**
 * ‖a − b‖ / max(‖b‖, 1e-3·√n), in float64. The floor matters only for a gradient that is zero
 * in exact arithmetic, where PyTorch returns rounding noise: the key bias of attention (softmax
 * ignores a shift shared by all keys). There the check becomes an absolute one, at 1e-6 rms.
 */
function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-3 * Math.sqrt(b.length));
}

function fixtureNames(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/** Builds the gradient model as the CLI would, runs it, returns relative errors by output. */
async function compare(dir: string, name: string, backend: Backend): Promise<Record<string, number>> {
  const fx = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as Fixture;
  const { bytes } = gradModel(readFileSync(join(dir, fx.model)), { loss: fx.loss, wrt: Object.keys(fx.grads), dims: fx.dims });
  const session = await backend.create(bytes);
  try {
    const feeds = Object.fromEntries(Object.entries(fx.inputs).map(([k, t]) => [k, toTensor(t)]));
    const res = await session.run(feeds);
    const errors: Record<string, number> = {};
    const check = (out: string, ref: JsonTensor) => {
      const got = res[out];
      expect(got, `${name}: no output ${out}`).toBeDefined();
      expect(got.shape, `${name}: shape of ${out}`).toEqual(ref.shape);
      errors[out] = relError(got.data as Float32Array, ref.data);
    };
    for (const [k, ref] of Object.entries(fx.outputs)) check(k, ref);
    for (const [k, ref] of Object.entries(fx.grads)) check(`${k}_grad`, ref);
    return errors;
  } finally {
    await session.release();
  }
}

function expectAgreement(name: string, errors: Record<string, number>) {
  const bad = Object.entries(errors)
    .filter(([, e]) => !(e <= TOLERANCE))
    .map(([k, e]) => `  ${k}: relative error ${e.toExponential(2)}`);
  expect(bad, `${name}: outputs that disagree with PyTorch (tolerance ${TOLERANCE}):\n${bad.join('\n')}`).toEqual([]);
}

// One thread: vitest workers share the machine, and small models gain nothing from more.
configureWasm({ threads: 1 });
const backends: Backend[] = [nodeBackend, webBackend];

describe.each(backends.map((b) => [b.name, b] as const))('PyTorch agreement on %s', (_, backend) => {
  const names = fixtureNames(FIXTURES);
  it('has the fixtures', () => {
    expect(names).toEqual(
      expect.arrayContaining(['attention', 'attention_opset13', 'convnet_groupnorm', 'unet_block', 'classic_opset9', 'classic_opset11', 'classic_opset13']),
    );
  });
  it.each(names)('%s: outputs and gradients match PyTorch autograd', async (name) => {
    expectAgreement(name, await compare(FIXTURES, name, backend));
  });
});

function torchAvailable(): boolean {
  if (process.env.TORCH_LIVE !== '1' || !existsSync(PYTHON)) return false;
  try {
    execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe.runIf(torchAvailable())('PyTorch agreement, fixtures regenerated live', () => {
  it('regenerates and agrees', { timeout: 300_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'torch-fixtures-'));
    try {
      execFileSync(PYTHON, ['-W', 'ignore', join(import.meta.dirname, '..', 'scripts', 'make_torch_fixtures.py'), dir], {
        stdio: 'pipe',
      });
      const names = fixtureNames(dir);
      expect(names).toEqual(fixtureNames(FIXTURES));
      for (const name of names) expectAgreement(`${name} (live)`, await compare(dir, name, nodeBackend));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
