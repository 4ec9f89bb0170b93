// Smoke test of the evaluator's training (`--smoke`: the real architecture on 8 concepts, batch 4)
// into a temporary folder: the loss falls, an interrupted run resumes from its checkpoint, and the
// exported float16 weights load back through the pack loader with the evaluator's tensor spec.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLIP_KIND, clipWeightShapes } from '../evaluator/architecture.ts';
import { evaluate } from '../eval/evaluator.eval.ts';
import { loadPack } from '../pack/load.ts';
import type { EmojiItem } from '../data/catalog.ts';
import { retrievalSet } from '../evaluator/retrieval-set.ts';
import { evaluatorRetrievalSets, train } from './evaluator.train.ts';
import { trainOptionsSchema } from './options.ts';

const dir = mkdtempSync(join(tmpdir(), 'evaluator-train-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base = trainOptionsSchema.parse({ smoke: true, checkpoints: join(dir, 'ckpt'), out: join(dir, 'pack') });

describe('evaluator retrieval sets', () => {
  // 40 concepts in both core styles; fluent draws every other one, firefox four (too few for top-5).
  const item = (k: number, style: EmojiItem['style'], tone = ''): EmojiItem => ({
    id: `${style}:${k}${tone}`, concept: `C${k}`, style, name: `thing ${k}`, tone, caption: `thing ${k}, ${style} style`, category: 'x', subcategory: 'y', file: '',
  });
  const items = Array.from({ length: 40 }, (_, k) => [
    item(k, 'twemoji'), item(k, 'noto'), item(k, 'noto', 'dark'),
    ...(k % 2 ? [] : [item(k, 'fluent'), item(k, 'fluent', 'dark')]),
    ...(k < 4 ? [item(k, 'firefox')] : []),
  ]).flat();

  it('keeps the core set of earlier evaluators and adds the same concepts in the other styles that draw them', () => {
    const sets = evaluatorRetrievalSets(items, 20);
    expect(sets.core).toEqual(retrievalSet(items, ['twemoji', 'noto'], 20));
    expect(Object.keys(sets.other)).toEqual(['fluent']);
    const fluent = sets.other.fluent;
    expect(fluent.map((it) => it.concept)).toEqual(sets.core.concepts.filter((c) => Number(c.slice(1)) % 2 === 0));
    expect(fluent.every((it) => it.style === 'fluent' && it.tone === '')).toBe(true);
  });
});

describe('evaluator training (smoke)', () => {
  it('lowers the loss, resumes after an interruption and exports a loadable pack entry', async () => {
    const stop = new AbortController();
    const first = await train({ ...base, signal: stop.signal, log: (l) => /step 1[5-9]|step [2-9]\d/.test(l) && stop.abort() });
    expect(first.interrupted).toBe(true);
    expect(first.step).toBeLessThan(first.totalSteps);
    const second = await train({ ...base, resume: true, log: () => {} });
    expect(second.interrupted).toBe(false);
    expect(second.step).toBe(second.totalSteps);
    expect(second.exported?.weights).toBe('evaluator.safetensors');
    expect(second.exported?.dtype).toBe('float16');

    const rows = readFileSync(join(dir, 'ckpt', 'evaluator', 'loss.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { step: number; loss?: number; imageToCaptionTop5_noto?: number });
    const losses = rows.filter((r) => r.loss !== undefined);
    expect(losses.map((r) => r.step)).toEqual(Array.from({ length: second.totalSteps }, (_, i) => i + 1));
    const mean = (xs: typeof losses) => xs.reduce((s, r) => s + r.loss!, 0) / xs.length;
    expect(mean(losses.slice(-10))).toBeLessThan(0.8 * mean(losses.slice(0, 10)));
    // Retrieval was measured at checkpoints: 8 candidates, so top-5 is at least a coin's worth.
    expect(rows.filter((r) => r.imageToCaptionTop5_noto !== undefined).length).toBeGreaterThan(1);

    const pack = await loadPack(async (f) => new Uint8Array(readFileSync(join(dir, 'pack', f))), {
      architectures: { [CLIP_KIND]: clipWeightShapes },
      components: ['evaluator'],
    });
    const entry = pack.manifest.components.evaluator!;
    expect(entry.metrics!.imageToCaptionTop5_twemoji).toBeGreaterThanOrEqual(0);
    expect(entry.recipe!.steps).toBe(second.totalSteps);
    expect(pack.weights.evaluator!['text.tok.weight'].shape).toEqual([pack.manifest.tokenizer.vocab.length, 128]);

    // The evaluation script scores the shipped (float16) weights on the full 200-concept set.
    const { metrics: m, component } = await evaluate({ packDir: join(dir, 'pack'), threads: 1, quick: false, record: true });
    expect(component).toBe('evaluator');
    for (const style of ['twemoji', 'noto']) {
      expect(m[`imageToCaptionTop5_${style}`]).toBeGreaterThanOrEqual(m[`imageToCaptionTop1_${style}`]);
      expect(m[`imageToCaptionTop5_${style}`]).toBeLessThanOrEqual(1);
    }
    expect(Math.abs(m.clipIStyles_twemoji_noto)).toBeLessThanOrEqual(1);
    expect(Math.abs(m.heldOutClipIStylesOther)).toBeLessThanOrEqual(1);
    const written = JSON.parse(readFileSync(join(dir, 'pack', 'manifest.json'), 'utf8')) as { components: { evaluator: { metrics: Record<string, number> } } };
    expect(written.components.evaluator.metrics.imageToCaptionTop5_noto).toBe(m.imageToCaptionTop5_noto);
  }, 180_000);
});
