import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { f32, i64 } from '../../ml/index.ts';
import { EpochSampler, mix, stepNoise } from './batches.ts';
import { hasCheckpoint, loadCheckpoint, saveCheckpoint, settingsDiff } from './checkpoint.ts';
import { availableModels, parseTrainArgs } from './cli.ts';
import { Ema, formatDuration, progressLine, ProgressReporter } from './progress.ts';

describe('batches', () => {
  it('visits every index once per epoch, across batch boundaries, the same way every time', () => {
    const s = new EpochSampler(10, 4, 7);
    const seen = [0, 1, 2, 3, 4].flatMap((k) => s.indices(k)); // 20 = two epochs
    expect([...seen.slice(0, 10)].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect([...seen.slice(10)].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(seen.slice(0, 10)).not.toEqual(seen.slice(10)); // a new order each epoch
    expect(new EpochSampler(10, 4, 7).indices(3)).toEqual(s.indices(3)); // no hidden state
    expect(new EpochSampler(10, 4, 8).indices(0)).not.toEqual(s.indices(0));
  });

  it('draws noise from (seed, step, stream) alone', () => {
    expect(stepNoise([5], 1, 2, 3).data).toEqual(stepNoise([5], 1, 2, 3).data);
    expect(stepNoise([5], 1, 2, 3).data).not.toEqual(stepNoise([5], 1, 3, 3).data);
    expect(mix(1, 2)).not.toBe(mix(2, 1));
  });
});

describe('checkpoints', () => {
  it('round-trip weights, optimizer state and loop state; report changed settings', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ckpt-'));
    try {
      expect(hasCheckpoint(dir)).toBe(false);
      expect(() => loadCheckpoint(dir)).toThrow(/no checkpoint/);
      const state = { model: 'm', step: 3, totalSteps: 9, seed: 1, wallTimeSeconds: 2, lossEma: 0.5, settings: { batch: 4 }, savedAt: 'now' };
      saveCheckpoint(dir, { state, params: { w: f32([2], [1, 2]) }, optimizer: { 'step.w': i64([], [3]) } });
      const c = loadCheckpoint(dir);
      expect(c.state).toEqual(state);
      expect(Array.from(c.params.w.data as Float32Array)).toEqual([1, 2]);
      expect(c.optimizer['step.w'].data[0]).toBe(3n);
      expect(settingsDiff({ batch: 4, lr: 1 }, { batch: 8, lr: 1 })).toEqual(['batch: 4 → 8']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('progress', () => {
  it('formats step, loss, rate and ETA', () => {
    expect(formatDuration(59)).toBe('59s');
    expect(formatDuration(3725)).toBe('1h02m');
    expect(progressLine({ model: 'vae', step: 50, total: 100, lossEma: 0.12345, stepsPerSecond: 2 })).toBe(
      '[vae] step 50/100 (50.0%)  loss 0.1235  2.00 steps/s  ETA 25s',
    );
  });

  it('rates over its window and throttles lines, always printing the last step', () => {
    let t = 0;
    const lines: string[] = [];
    const r = new ProgressReporter((l) => lines.push(l), 10_000, () => t);
    for (let s = 1; s <= 30; s++) {
      t = s * 1000; // one step per second
      r.update({ model: 'm', step: s, total: 30, lossEma: 1 });
    }
    expect(lines.length).toBe(4); // t = 1 s, 11 s, 21 s and the final step
    expect(lines.at(-1)).toContain('step 30/30');
    expect(lines[1]).toContain('1.00 steps/s');
  });

  it('corrects the EMA bias early and continues a resumed one', () => {
    const e = new Ema(0.9);
    expect(e.value).toBeNull();
    e.push(2);
    expect(e.value).toBeCloseTo(2, 10);
    const resumed = new Ema(0.9, 5);
    resumed.push(5);
    expect(resumed.value).toBeCloseTo(5, 10);
  });
});

describe('train CLI', () => {
  it('finds trainers by file name and parses options', () => {
    expect(availableModels()).toContain('vae');
    const a = parseTrainArgs(['vae', '--steps', '10', '--resume', '--smoke', '--checkpoints', '/tmp/x'])!;
    expect(a.model).toBe('vae');
    expect(a.options).toMatchObject({ steps: 10, resume: true, smoke: true, threads: 1, checkpoints: '/tmp/x' });
    expect(parseTrainArgs([])).toBeNull();
    // Smoke runs default away from the real checkpoints and the shipped pack.
    const smoke = parseTrainArgs(['vae', '--smoke'])!.options;
    expect(smoke.checkpoints).toMatch(/smoke-checkpoints$/);
    expect(smoke.out).toMatch(/smoke-pack$/);
    expect(parseTrainArgs(['vae'])!.options.out).toMatch(/public\/models\/emoji-diffusion$/);
    expect(() => parseTrainArgs(['vae', '--steps', '-3'])).toThrow();
    expect(parseTrainArgs(['ar-tokenizer', '--quantizer', 'vq'])!.options.quantizer).toBe('vq');
    expect(() => parseTrainArgs(['ar-tokenizer', '--quantizer', 'pq'])).toThrow(/quantizer/);
  });
});
