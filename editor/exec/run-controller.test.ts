// The controller on the real runtime and nodes, in this thread: what a person sees when they
// run, change one parameter and run again.
import { describe, expect, it } from 'vitest';
import { registry } from '../../nodes/registry.ts';
import { createRuntime, inProcessExecutor, noPlatform } from '../../runtime/index.ts';
import { createDocStore } from '../document/doc-store.ts';
import { setParam } from '../document/edits.ts';
import { doc } from '../document/testing.ts';
import { createExecStore } from './exec-store.ts';
import { createRunController } from './run-controller.ts';

const finished = (exec: ReturnType<typeof createExecStore>) =>
  new Promise<void>((resolve) => {
    const off = exec.subscribe((s) => s.outcome && !s.running && (off(), resolve()));
  });

function setup() {
  const runtime = createRuntime({ registry, executor: inProcessExecutor(registry, noPlatform) });
  const docs = createDocStore(
    doc(
      [['n', 'seed-noise', { width: 8, height: 8 }], ['m', 'seed-noise', { seed: 1, width: 8, height: 8 }], ['b', 'blend'], ['p', 'preview'], ['half', 'blend']],
      [['n', 'image', 'b', 'a'], ['m', 'image', 'b', 'b'], ['b', 'image', 'p', 'images']],
    ),
  );
  const exec = createExecStore();
  const notes: string[] = [];
  const runs = createRunController({ runtime, registry, exec, getDoc: () => docs.getState().doc, notify: (t) => notes.push(t) });
  return { docs, exec, runs, notes };
}

describe('run controller', () => {
  it('runs past a half-built branch, shows every result, then re-runs only what a change touches', async () => {
    const { docs, exec, runs } = setup();
    runs.run();
    await finished(exec);
    const s = exec.getState();
    expect(Object.fromEntries(Object.entries(s.nodes).map(([id, n]) => [id, n.status]))).toEqual({ n: 'done', m: 'done', b: 'done', p: 'done' });
    expect(s.results.p[0]).toMatchObject({ kind: 'images', port: 'grid' });
    expect(s.results.n.map((r) => r.port)).toEqual(['latent', 'image']);

    docs.getState().edit('alpha', setParam('b', 'alpha', 0.9));
    runs.run();
    await finished(exec);
    expect(Object.fromEntries(Object.entries(exec.getState().nodes).map(([id, n]) => [id, n.status]))).toEqual({ n: 'cached', m: 'cached', b: 'done', p: 'done' });
    // Another graph opened: nothing of this run's summary stays on screen.
    runs.reset();
    const after = exec.getState();
    expect([after.stats, after.ms, after.outcome, after.results, after.nodes]).toEqual([undefined, undefined, undefined, {}, {}]);
  });

  it('refuses to run a target whose own inputs are missing, and says why', () => {
    const { exec, runs, notes } = setup();
    runs.run('half');
    expect(exec.getState().outcome).toBe('invalid');
    expect(notes[0]).toMatch(/Cannot run: node half inputs.a: required input "a" \(image\) is not connected/);
  });
});
