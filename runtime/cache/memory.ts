// Node outputs in memory under a byte budget. When over budget it evicts the entries that are
// cheapest to get back per byte they hold (recompute ms / bytes), oldest use first among equals,
// so a large quick-to-make noise tensor goes before a small hard-won embedding.
import { byteSize, type NodeOutputs } from '../values.ts';

interface Entry {
  outputs: NodeOutputs;
  bytes: number;
  costMs: number;
  used: number;
}

export class MemoryCache {
  private entries = new Map<string, Entry>();
  private clock = 0;
  private held = 0;

  constructor(readonly budgetBytes = 512 * 1024 * 1024) {}

  get bytes() {
    return this.held;
  }
  get size() {
    return this.entries.size;
  }
  has(key: string) {
    return this.entries.has(key);
  }
  keys() {
    return [...this.entries.keys()];
  }

  get(key: string): NodeOutputs | undefined {
    const e = this.entries.get(key);
    if (e) e.used = ++this.clock;
    return e?.outputs;
  }

  /** Keep `outputs`; returns false when they alone exceed the budget and were not kept. */
  set(key: string, outputs: NodeOutputs, costMs: number): boolean {
    this.delete(key);
    const bytes = byteSize(outputs);
    if (bytes > this.budgetBytes) return false;
    this.entries.set(key, { outputs, bytes, costMs, used: ++this.clock });
    this.held += bytes;
    if (this.held > this.budgetBytes) this.evict(key);
    return true;
  }

  delete(key: string) {
    const e = this.entries.get(key);
    if (!e) return;
    this.held -= e.bytes;
    this.entries.delete(key);
  }

  private evict(keep: string) {
    const victims = [...this.entries]
      .filter(([k]) => k !== keep)
      .sort(([, a], [, b]) => a.costMs / Math.max(1, a.bytes) - b.costMs / Math.max(1, b.bytes) || a.used - b.used);
    for (const [k] of victims) {
      if (this.held <= this.budgetBytes) break;
      this.delete(k);
    }
  }
}
