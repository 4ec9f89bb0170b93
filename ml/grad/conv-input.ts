// The input gradient of a convolution, dX = ConvTranspose(dY, W) with the forward window. For stride 1
// the same map is a plain Conv of dY with the kernel flipped and its channel axes swapped per group,
// which onnxruntime runs through its faster direct-convolution path (see conv-grad.bench.ts).
import type { Value } from '../builder.ts';
import { adjointOutputPadding, effectiveKernel, type Window } from '../ops/window.ts';
import { reshape } from './util.ts';

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

export function convInputGradTranspose(dy: Value, w: Value, win: Window, group: number): Value {
  const op = adjointOutputPadding(win);
  return dy.b.op1('ConvTranspose', [dy, w], {
    strides: win.strides,
    dilations: win.dilations,
    pads: win.pads,
    group: group === 1 ? undefined : group,
    output_padding: op.some((p) => p) ? op : undefined,
  });
}

/** Whether the flipped-kernel Conv applies: stride 1 and pads no wider than the effective kernel. */
export function flippedConvApplies(win: Window): boolean {
  const r = win.inSize.length;
  return win.strides.every((s) => s === 1) && win.pads.every((p, i) => p <= effectiveKernel(win.kernel[i % r], win.dilations[i % r]) - 1);
}

/** W [M, Cg, k…] → [C, Mg, k…] with every spatial axis reversed (Slice with step −1). */
function flippedKernel(w: Value, group: number): Value {
  const b = w.b;
  const [m, cg, ...k] = w.shape;
  const mg = m / group;
  const swapped = reshape(
    b.op1('Transpose', [reshape(w, [group, mg, cg, ...k])], { perm: [0, 2, 1, ...range(k.length, 3)] }),
    [group * cg, mg, ...k],
  );
  const big = -(2 ** 62);
  return b.op1('Slice', [swapped, b.ints(k.map(() => -1)), b.ints(k.map(() => big)), b.ints(range(k.length, 2)), b.ints(k.map(() => -1))]);
}

export function convInputGradFlipped(dy: Value, w: Value, win: Window, group: number): Value {
  const r = win.inSize.length;
  const ek = win.kernel.map((k, i) => effectiveKernel(k, win.dilations[i]));
  return dy.b.op1('Conv', [dy, flippedKernel(w, group)], {
    dilations: win.dilations,
    pads: win.pads.map((p, i) => ek[i % r] - 1 - p),
    group: group === 1 ? undefined : group,
  });
}

/** The input gradient used by the Conv rule. */
export function convInputGrad(dy: Value, w: Value, win: Window, group: number): Value {
  return flippedConvApplies(win) ? convInputGradFlipped(dy, w, win, group) : convInputGradTranspose(dy, w, win, group);
}
