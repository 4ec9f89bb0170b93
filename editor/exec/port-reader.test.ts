// Reading an ONNX Model node's ports into the document: the real runtime reads the shipped
// generator (its node's `describe`, in process), the ports and the moved wires land as one undo
// step, and a file that cannot be read shows its error on the node and changes nothing.
import { describe, expect, it } from 'vitest';
import { registry } from '../../nodes/registry.ts';
import { createRuntime, inProcessExecutor } from '../../runtime/index.ts';
import { nodePlatform } from '../../runtime/node/index.ts';
import { createDocStore } from '../document/doc-store.ts';
import { setParam } from '../document/edits.ts';
import { doc } from '../document/testing.ts';
import { createExecStore } from './exec-store.ts';
import { createPortReader } from './port-reader.ts';

const GENERATOR = 'models/onnx-generator/generator.onnx';
const PORTS = {
  inputs: [{ name: 'z', dtype: 'float32', shape: [1, 32] }],
  outputs: [{ name: 'image', dtype: 'float32', shape: [1, 3, 16, 16] }],
};

const setup = () => {
  const store = createDocStore(
    doc(
      [['noise', 'seed-noise'], ['old', 'onnx-model', { source: GENERATOR }], ['preview', 'preview'], ['other', 'preview']],
      [['noise', 'image', 'old', 'images'], ['old', 'images', 'preview', 'images'], ['noise', 'image', 'other', 'images']],
    ),
  );
  const exec = createExecStore();
  const runtime = createRuntime({ registry, executor: inProcessExecutor(registry, nodePlatform()) });
  return { store, exec, reader: createPortReader({ runtime, doc: store, exec, pauseMs: 5 }) };
};

const wires = (d: ReturnType<typeof setup>['store']) => d.getState().doc.edges.map((e) => e.id);

describe('reading an ONNX Model node\'s ports', () => {
  it('records the file\'s ports and moves an old node\'s wires onto them, as one undo step', async () => {
    const { store, reader, exec } = setup();
    const before = store.getState().doc;
    await reader.read('old');
    const after = store.getState().doc;
    expect(after.nodes.find((n) => n.id === 'old')!.params).toEqual({ source: GENERATOR, ports: PORTS });
    expect(wires(store)).toEqual(['noise.image->old.z', 'old.image->preview.images', 'noise.image->other.images']);
    expect(store.getState().history.past.map((h) => h.label)).toEqual(['Read ports of generator.onnx']);
    expect(exec.getState().nodes.old).toBeUndefined();
    // Reading again changes nothing: no second step.
    await reader.read('old');
    expect(store.getState().history.past).toHaveLength(1);
    store.getState().undo();
    expect(store.getState().doc).toEqual(before);
    store.getState().redo();
    expect(store.getState().doc).toEqual(after);
  });

  it('shows a file that cannot be read as the node\'s error and leaves the document as it was', async () => {
    const { store, reader, exec } = setup();
    store.getState().edit('file', setParam('old', 'source', 'models/none/missing.onnx'));
    const before = store.getState().doc;
    await reader.read('old');
    expect(store.getState().doc).toBe(before);
    expect(exec.getState().nodes.old).toMatchObject({ status: 'error', error: expect.stringMatching(/missing\.onnx/) });
    // The right file clears the error.
    store.getState().edit('file', setParam('old', 'source', GENERATOR));
    await reader.read('old');
    expect(exec.getState().nodes.old).toBeUndefined();
    expect(store.getState().doc.nodes.find((n) => n.id === 'old')!.params.ports).toEqual(PORTS);
  });

  it('reads a typed path once the typing pauses, and only the last one', async () => {
    const { store, reader } = setup();
    for (const source of ['m', 'models/none/x.onnx', GENERATOR]) {
      store.getState().edit('file', setParam('old', 'source', source), 'typing');
      reader.readSoon('old');
    }
    expect(reader.reading('old')).toBe(true);
    await expect.poll(() => store.getState().doc.nodes.find((n) => n.id === 'old')!.params.ports).toEqual(PORTS);
    expect(store.getState().history.past.map((h) => h.label)).toEqual(['file', 'Read ports of generator.onnx']);
  });
});
