// How the tests make an example graph quick without changing what it wires: every `steps` (and a
// pivotal tuning's `pivotSteps`) capped at 2, batches at 2 and prior preservation cut to one image.
// Shared by the headless run (as --set arguments) and the browser run (applied to the document it
// drops on the canvas).

export interface ExampleNode {
  id: string;
  type: string;
  params: Record<string, unknown>;
}

/** The parameter overrides for one node (empty when it has nothing to reduce). */
export function reducedParams(n: ExampleNode): Record<string, number> {
  const p = n.params;
  const out: Record<string, number> = {};
  if (typeof p.steps === 'number') out.steps = Math.min(p.steps, 2);
  if (typeof p.pivotSteps === 'number') out.pivotSteps = Math.min(p.pivotSteps, 2);
  if (typeof p.priorImages === 'number' && p.priorImages > 0) Object.assign(out, { priorImages: 1, priorSteps: 1 });
  if (typeof p.batch === 'number' && n.type !== 'seed-noise') out.batch = Math.min(p.batch, 2);
  return out;
}
