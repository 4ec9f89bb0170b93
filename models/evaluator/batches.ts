// Which images make up each training batch of the evaluator. Every batch holds distinct concepts:
// two images of one concept in a batch (its two styles, or two skin tones) would make a right pair
// count as a wrong one in the InfoNCE loss. Concepts are drawn uniformly (not images, or the
// 25-variant "people holding hands" families would dominate), then one of the concept's images:
// half the time its base emoji in either style, otherwise any of its variants.
// A batch is a pure function of (seed, step), so a resumed run sees exactly the batches it would
// have seen without stopping, with no sampler state in the checkpoint.
import { Rng } from '../../ml/index.ts';

export interface SampleItem {
  concept: string;
  /** '' for a base emoji, the skin tone otherwise. */
  tone: string;
}

export class ConceptBatches {
  /** Item indices per concept, concepts in first-seen order. */
  readonly groups: { base: number[]; all: number[] }[];
  readonly perEpoch: number;

  constructor(
    items: readonly SampleItem[],
    readonly batch: number,
    readonly seed: number,
  ) {
    const byConcept = new Map<string, { base: number[]; all: number[] }>();
    items.forEach((it, i) => {
      let g = byConcept.get(it.concept);
      if (!g) byConcept.set(it.concept, (g = { base: [], all: [] }));
      g.all.push(i);
      if (!it.tone) g.base.push(i);
    });
    this.groups = [...byConcept.values()];
    if (batch > this.groups.length) throw new Error(`ConceptBatches: batch ${batch} exceeds the ${this.groups.length} concepts`);
    // Whole batches per epoch; the concepts left over are in the next epoch's shuffle.
    this.perEpoch = Math.floor(this.groups.length / batch);
  }

  /** Item indices of batch `step` (0-based), all of distinct concepts. */
  at(step: number): number[] {
    const epoch = Math.floor(step / this.perEpoch);
    const order = shuffled(this.groups.length, new Rng(mix(this.seed, epoch, 0)));
    const start = (step % this.perEpoch) * this.batch;
    const rng = new Rng(mix(this.seed, step, 1));
    return order.slice(start, start + this.batch).map((g) => {
      const { base, all } = this.groups[g];
      const pool = base.length && rng.next() < 0.5 ? base : all;
      return pool[rng.int(pool.length)];
    });
  }
}

/** A seed for the Rng from a few integers (FNV-style mixing; any fixed, well-spread function would do). */
export function mix(...xs: number[]): number {
  let h = 0x811c9dc5;
  for (const x of xs) {
    h = Math.imul(h ^ (x >>> 0), 0x01000193);
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  }
  return h >>> 0;
}

function shuffled(n: number, rng: Rng): number[] {
  const xs = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}
