// Learning-rate schedules as pure functions of the 0-based step index (the number of updates done
// so far): set `opt.lr = schedule(step)` before each step. Pure, so resuming from a checkpoint only
// needs the step index.
export type Schedule = (step: number) => number;

export const constantLr =
  (lr: number): Schedule =>
  () =>
    lr;

/**
 * Ramp linearly to `lr` over `warmupSteps`, then hold. Step 0 already gets lr / warmupSteps (not 0),
 * so no update is wasted.
 */
export const linearWarmup =
  (lr: number, warmupSteps: number): Schedule =>
  (step) =>
    step < warmupSteps ? (lr * (step + 1)) / warmupSteps : lr;

/** Half a cosine from `lr` at step 0 down to `minLr` at `totalSteps`, constant after. */
export const cosineDecay =
  (lr: number, totalSteps: number, minLr = 0): Schedule =>
  (step) => {
    const progress = totalSteps > 0 ? Math.min(Math.max(step, 0), totalSteps) / totalSteps : 1;
    return minLr + (lr - minLr) * 0.5 * (1 + Math.cos(Math.PI * progress));
  };

/** Linear warmup over `warmupSteps`, then cosine decay to `minLr` at `totalSteps`. */
export function warmupCosine(lr: number, warmupSteps: number, totalSteps: number, minLr = 0): Schedule {
  const warm = linearWarmup(lr, warmupSteps);
  const decay = cosineDecay(lr, totalSteps - warmupSteps, minLr);
  return (step) => (step < warmupSteps ? warm(step) : decay(step - warmupSteps));
}
