// When inputs travel to a worker by transfer, the scheduler's copy is detached until the
// worker hands it back. The lender makes a second job that reads the same output wait for the
// return instead of reading a detached buffer, and tells it when the value was lost.
import type { NodeOutputs } from './values.ts';

type Slot = readonly [record: NodeOutputs, handle: string];

export interface Lease {
  ok: boolean;
  /** `kept`: the values came back (true) or were lost with a worker (false). */
  release(kept: boolean): void;
}

export class Lender {
  private busy = new WeakMap<NodeOutputs, Map<string, Promise<boolean>>>();

  async borrow(slots: readonly Slot[]): Promise<Lease> {
    // Wait until every slot is home, then take them all at once (no await between check and take).
    for (;;) {
      const pending = slots.map(([r, h]) => this.busy.get(r)?.get(h)).filter((p): p is Promise<boolean> => !!p);
      if (!pending.length) break;
      const results = await Promise.all(pending);
      if (results.includes(false)) return { ok: false, release: () => {} };
    }
    let settle!: (kept: boolean) => void;
    const back = new Promise<boolean>((r) => (settle = r));
    for (const [r, h] of slots) {
      const m = this.busy.get(r) ?? new Map<string, Promise<boolean>>();
      m.set(h, back);
      this.busy.set(r, m);
    }
    return {
      ok: true,
      release: (kept) => {
        // A lost value stays marked lost: its record holds detached buffers from now on.
        if (kept) for (const [r, h] of slots) if (this.busy.get(r)?.get(h) === back) this.busy.get(r)!.delete(h);
        settle(kept);
      },
    };
  }
}
