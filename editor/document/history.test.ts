import { applyPatches, enablePatches, produceWithPatches } from 'immer';
import { describe, expect, it } from 'vitest';
import { emptyHistory, record, redo, undo, type History } from './history.ts';

enablePatches();

type Doc = { x: number; y: number };
const step = (h: History, doc: Doc, f: (d: Doc) => void, key?: string) => {
  const [next, patches, inverse] = produceWithPatches(doc, f);
  return { doc: next, h: record(h, { label: 'edit', patches, inverse, key }) };
};

describe('history', () => {
  it('undoes and redoes one edit at a time', () => {
    let s = step(emptyHistory, { x: 0, y: 0 }, (d) => void (d.x = 1));
    s = step(s.h, s.doc, (d) => void (d.y = 2));
    const u = undo(s.h)!;
    const back = applyPatches(s.doc, u.patches);
    expect(back).toEqual({ x: 1, y: 0 });
    const r = redo(u.history)!;
    expect(applyPatches(back, r.patches)).toEqual({ x: 1, y: 2 });
    expect(undo(emptyHistory)).toBeUndefined();
  });

  it('merges edits with the same key into one step (a drag, a typed value)', () => {
    let s = { doc: { x: 0, y: 0 }, h: emptyHistory };
    for (let i = 1; i <= 5; i++) s = step(s.h, s.doc, (d) => void (d.x = i), 'drag-1');
    s = step(s.h, s.doc, (d) => void (d.y = 9), 'other');
    expect(s.h.past).toHaveLength(2);
    const u1 = undo(s.h)!;
    const d1 = applyPatches(s.doc, u1.patches);
    const u2 = undo(u1.history)!;
    expect(applyPatches(d1, u2.patches)).toEqual({ x: 0, y: 0 });
  });

  it('a new edit after undo drops the redo branch', () => {
    let s = step(emptyHistory, { x: 0, y: 0 }, (d) => void (d.x = 1));
    const u = undo(s.h)!;
    s = step(u.history, applyPatches(s.doc, u.patches), (d) => void (d.y = 1));
    expect(s.h.future).toHaveLength(0);
    expect(redo(s.h)).toBeUndefined();
  });
});
