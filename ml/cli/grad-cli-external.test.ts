// The grad command writing its gradient model with external data (--external-data).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { GraphBuilder } from '../builder.ts';
import { randn, Rng } from '../random.ts';
import { externalFilesBeside } from '../onnx/external-files.ts';
import { decodeOnnx } from '../onnx/serialize.ts';
import { writeOnnxWithExternalData } from '../onnx/write-external.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'ml', 'cli', 'grad-cli.ts');
const dir = mkdtempSync(join(tmpdir(), 'grad-cli-external-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const rng = new Rng(9);

function run(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function outputs(path: string, x: ort.Tensor) {
  const s = await ort.InferenceSession.create(path, { intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: 3 });
  try {
    const r = await s.run({ x });
    return Object.fromEntries(s.outputNames.map((n) => [n, Array.from(r[n].data as Float32Array)]));
  } finally {
    await s.release();
  }
}

describe('grad CLI with external data', { timeout: 60_000 }, () => {
  it('lists --external-data in its help', () => {
    const r = run('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--external-data +keep the weights in <out>\.data/);
  });

  it('reads a model with external data and writes its gradient model with a side file beside it', async () => {
    // The input itself keeps its weight outside, in another folder than the output.
    const b = new GraphBuilder('affine');
    const x = b.input('x', 'float32', [2, 64]);
    b.output(b.op1('Tanh', [b.op1('MatMul', [x, b.constant(randn([64, 32], rng), 'W')])]), 'y');
    mkdirSync(join(dir, 'in'));
    mkdirSync(join(dir, 'out'));
    const model = join(dir, 'in', 'affine.onnx');
    writeOnnxWithExternalData(b.build(), model);

    const outExt = join(dir, 'out', 'grad.onnx');
    const ext = run(model, '--loss', 'y', '--wrt', 'x,W', '-o', outExt, '--external-data');
    expect(ext.stderr).toBe('');
    expect(ext.code).toBe(0);
    expect(ext.stdout).toContain(`with its weights in ${outExt}.data`);
    expect(statSync(`${outExt}.data`).size).toBeGreaterThanOrEqual(64 * 32 * 4);
    expect(statSync(outExt).size).toBeLessThan(64 * 32 * 4);

    const outInline = join(dir, 'out', 'grad-inline.onnx');
    const inline = run(model, '--loss', 'y', '--wrt', 'x,W', '-o', outInline);
    expect(inline.code).toBe(0);
    expect(inline.stdout).not.toContain('.data');
    expect(existsSync(`${outInline}.data`)).toBe(false);

    // onnxruntime opens both from their paths and computes the same outputs and gradients.
    const xt = randn([2, 64], rng);
    const feed = new ort.Tensor('float32', xt.data as Float32Array, xt.shape);
    const got = await outputs(outExt, feed);
    expect(Object.keys(got)).toEqual(['y', 'x_grad', 'W_grad']);
    expect(got).toEqual(await outputs(outInline, feed));

    // Our importer reads the pair back as the inline file.
    const files = externalFilesBeside(outExt);
    try {
      expect(decodeOnnx(readFileSync(outExt), { external: files.read })).toEqual(decodeOnnx(readFileSync(outInline)));
    } finally {
      files.close();
    }
  });
});
