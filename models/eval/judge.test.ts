// --evaluator: one ruler for two packs. A pack measured with another pack's evaluator gets that
// evaluator's numbers (the evaluator evaluation itself matches measuring the other pack), and such
// numbers are never recorded into the measured pack.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyPack } from '../personalize/tiny-pack.ts';
import { parseEvalArgs, runEvals } from './cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'judge-'));
const [a, b] = [join(dir, 'a'), join(dir, 'b')];
beforeAll(async () => {
  await writeTinyPack(a, { seed: 1 });
  await writeTinyPack(b, { seed: 2 });
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const metricsOf = async (argv: string[]) => {
  const [row] = (await runEvals(argv, () => {})).results;
  if ('skipped' in row) throw new Error(row.skipped);
  return row.metrics;
};

describe('eval:models --evaluator', () => {
  it('refuses to record another ruler\'s numbers', () => {
    expect(() => parseEvalArgs(['t2i', '--record', '--evaluator', b])).toThrow(/--record.*--evaluator|another ruler/);
    expect(parseEvalArgs(['t2i', '--evaluator', b]).opts.evaluatorDir).toBe(b);
  });

  it('measures the evaluator of the named pack', async () => {
    const judged = await metricsOf(['evaluator', '--pack', a, '--evaluator', b]);
    expect(judged).toEqual(await metricsOf(['evaluator', '--pack', b]));
    expect(judged).not.toEqual(await metricsOf(['evaluator', '--pack', a]));
  }, 120_000);

  it('scores the same generated images with the other evaluator', async () => {
    const own = await metricsOf(['t2i', '--pack', a, '--quick']);
    const judged = await metricsOf(['t2i', '--pack', a, '--quick', '--evaluator', b]);
    // Real images are the same; the ruler differs, so their CLIP-T differs too.
    expect(judged.clipT_real).not.toBeCloseTo(own.clipT_real, 6);
    expect(Number.isFinite(judged.clipT_ratio)).toBe(true);
  }, 240_000);
});
