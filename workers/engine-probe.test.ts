import { describe, expect, it } from 'vitest';
import { nodeBackend } from '../ml/session/node.ts';
import { expectedGradients, runEngineProbe } from './engine-probe.ts';

describe('engine probe', () => {
  it('computes the closed-form gradients of sum(x·w + w) on onnxruntime-node', async () => {
    const r = await runEngineProbe(nodeBackend, 1);
    expect(r.expected).toEqual(expectedGradients());
    expect(r.dx).toEqual([0.5, -1, 2, 0.5, -1, 2]);
    expect(r.dw).toEqual([7, 9, 11]);
    expect(r.loss).toBeCloseTo(16.5, 5);
    expect(r.maxError).toBeLessThan(1e-5);
  });
});
