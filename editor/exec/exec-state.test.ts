import { describe, expect, it } from 'vitest';
import { etaMs, idleExec, reduceRun } from './exec-state.ts';

describe('execution state', () => {
  it('follows a node from queued through running with progress to done', () => {
    let s = reduceRun(idleExec, { type: 'run-started', runId: 'r', requested: ['a'], toRun: ['a'], cached: ['b'] }, 0);
    s = reduceRun(s, { type: 'node-cached', runId: 'r', nodeId: 'b' }, 0);
    s = reduceRun(s, { type: 'node-queued', runId: 'r', nodeId: 'a' }, 0);
    s = reduceRun(s, { type: 'node-running', runId: 'r', nodeId: 'a' }, 100);
    s = reduceRun(s, { type: 'node-running', runId: 'r', nodeId: 'a', progress: { value: 1, max: 4 } }, 1100);
    expect(s.nodes.a).toMatchObject({ status: 'running', startedAt: 100, etaMs: 3000 });
    s = reduceRun(s, { type: 'node-done', runId: 'r', nodeId: 'a', ms: 1200 }, 1300);
    s = reduceRun(s, { type: 'run-finished', runId: 'r', stats: { nodes: 2, ran: 1, cached: 1, failed: 0 }, ms: 1300 }, 1300);
    expect(s.nodes).toEqual({ a: { status: 'done', ms: 1200 }, b: { status: 'cached' } });
    expect(s).toMatchObject({ running: false, outcome: 'finished' });
  });

  it('ignores events of a run that was replaced', () => {
    const s = reduceRun(idleExec, { type: 'run-started', runId: 'new', requested: [], toRun: [], cached: [] }, 0);
    expect(reduceRun(s, { type: 'node-error', runId: 'old', nodeId: 'a', message: 'x', reason: 'threw' }, 0)).toBe(s);
  });

  it('estimates time left only once there is a rate', () => {
    expect(etaMs({ value: 0, max: 10 }, 0, 100)).toBeUndefined();
    expect(etaMs({ value: 5, max: 10 }, 0, 100)).toBe(100);
  });
});
