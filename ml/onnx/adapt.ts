// The version adapter: nodes of ONNX opsets 7–21 replayed in the engine's one internal form
// (opset 17). Each entry rewrites one operator's older or newer signature: attributes that became
// inputs (axes, pads, starts, min/max, split), pre-13 Softmax flattening, Upsample and the Resize
// versions, Dropout and inference BatchNormalization, and operators newer than 17 built from
// older ones. The ONNX project's version converter is the reference for what changed when.
import type { GraphBuilder, Value } from '../builder.ts';
import type { AttrValue } from '../ir.ts';
import { findOp } from '../ops/registry.ts';
import { tensor } from '../tensor.ts';
import type { RawNode } from './serialize.ts';
import { loopNode, scanNode } from './unroll.ts';

export const MIN_OPSET = 7;
export const MAX_OPSET = 21;

export class AdaptCtx {
  constructor(
    readonly b: GraphBuilder,
    readonly node: RawNode,
    readonly opset: number,
    /** Output names as the builder must define them (omitted ones already named). */
    private readonly outputNames: string[],
  ) {}

  /** Input i, or null when omitted. */
  in(i: number): Value | null {
    const name = this.node.inputs[i];
    return name ? this.b.value(name) : null;
  }

  ins(): (Value | null)[] {
    return this.node.inputs.map((_, i) => this.in(i));
  }

  /** Input i's value as numbers when it is a constant; fails naming `what` when it is not. */
  constInts(i: number, what: string): number[] | undefined {
    const v = this.in(i);
    if (!v) return undefined;
    const c = v.const;
    if (!c) this.fail(`${what} (input ${i}) must be a constant known when the graph is built`);
    return Array.from(c.data as ArrayLike<number | bigint>, Number);
  }

  attr<T extends AttrValue>(name: string, fallback: T): T;
  attr<T extends AttrValue>(name: string): T | undefined;
  attr<T extends AttrValue>(name: string, fallback?: T): T | undefined {
    const v = this.node.attrs[name];
    return (v === undefined ? fallback : v) as T | undefined;
  }

  /** The node's attributes without the named ones. */
  attrsWithout(...names: string[]): Record<string, AttrValue> {
    const out = { ...this.node.attrs };
    for (const n of names) delete out[n];
    return out;
  }

  ints(xs: readonly number[]): Value {
    return this.b.ints(xs);
  }

  /** An intermediate node (named after the file's node). */
  op(op: string, inputs: (Value | null)[], attrs: Record<string, AttrValue | undefined> = {}, outputs = 1): Value[] {
    return this.b.op(op, inputs, attrs, { name: `${this.node.name}/${op}`, outputs });
  }

  op1(op: string, inputs: (Value | null)[], attrs: Record<string, AttrValue | undefined> = {}): Value {
    return this.op(op, inputs, attrs)[0];
  }

  /** The node that defines the file node's outputs, under their names. */
  final(op: string, inputs: (Value | null)[], attrs: Record<string, AttrValue | undefined>, outputs = this.outputNames): Value[] {
    return this.b.op(op, inputs, attrs, { name: this.node.name, outputNames: outputs });
  }

  /** Defines output i as an existing value (through Identity, so the file's name is kept). */
  alias(i: number, v: Value) {
    this.b.op('Identity', [v], {}, { name: `${this.node.name}/out${i}`, outputNames: [this.outputNames[i]], noFold: !v.const });
  }

  get outputs(): readonly string[] {
    return this.outputNames;
  }

  /** Replays another node (a subgraph's) under the given output names. */
  replay(node: RawNode, outputNames: string[]): void {
    adaptNode(this.b, node, this.opset, outputNames);
  }

  fail(message: string): never {
    throw new Error(`${this.node.op} "${this.node.name}" (opset ${this.opset}): ${message}`);
  }
}

type Adapter = (c: AdaptCtx) => void;

/** The node as written, when it needs no rewriting. */
const passThrough: Adapter = (c) => void c.final(c.node.op, c.ins(), c.node.attrs);

/** Before `since`, the named int-list attribute becomes input `at` (Squeeze axes, Split sizes...). */
const attrToInput =
  (since: number, name: string, at: number): Adapter =>
  (c) => {
    if (c.opset >= since) return passThrough(c);
    const v = c.attr<number[]>(name);
    const ins = c.ins();
    while (ins.length < at) ins.push(null);
    ins[at] = v === undefined ? null : c.ints(v);
    c.final(c.node.op, ins, c.attrsWithout(name));
  };

/** From opset 18 a reduction's axes are an input; opset 17 keeps them as an attribute (ReduceSum aside). */
const reduceAxesToAttr: Adapter = (c) => {
  if (c.opset < 18) return passThrough(c);
  const axes = c.constInts(1, 'axes');
  const x = c.in(0)!;
  if (!axes?.length && c.attr('noop_with_empty_axes', 0)) return c.alias(0, x);
  c.final(c.node.op, [x], { ...c.attrsWithout('noop_with_empty_axes'), axes: axes?.length ? axes : undefined });
};

/** Before 13, Softmax-like ops flatten to 2-D at `axis` (default 1) and normalize each row. */
const flattenedSoftmax: Adapter = (c) => {
  if (c.opset >= 13) return passThrough(c);
  const x = c.in(0)!;
  const r = x.rank;
  const given = c.attr<number>('axis', 1);
  const axis = given < 0 ? given + r : given;
  if (axis < 0 || axis > r || (r > 0 && axis === r)) c.fail(`axis ${given} is out of range for rank ${r}`);
  if (axis === r - 1) return void c.final(c.node.op, [x], { axis: -1 });
  const rows = x.shape.slice(0, axis).reduce((a, d) => a * d, 1);
  const flat = c.op1('Reshape', [x, c.ints([rows, x.size / rows])]);
  const y = c.op1(c.node.op, [flat], { axis: 1 });
  c.final('Reshape', [y, c.ints(x.shape)], {});
};

/** Clip before 11: min and max attributes (defaults: no bound) become scalar inputs. */
const clip: Adapter = (c) => {
  if (c.opset >= 11) return passThrough(c);
  const x = c.in(0)!;
  const bound = (name: string) => {
    const v = c.attr<number>(name);
    return v === undefined ? null : c.b.scalar(v, x.dtype);
  };
  c.final('Clip', [x, bound('min'), bound('max')], {});
};

/** Pad: attributes before 11 (pads, value); `axes` (18) expanded to all axes, as opset 17 wants. */
const pad: Adapter = (c) => {
  const x = c.in(0)!;
  const mode = c.attr<string>('mode', 'constant');
  if (mode === 'wrap') c.fail('wrap padding (opset 19) is not supported');
  if (c.opset < 11) {
    const pads = c.attr<number[]>('pads') ?? c.fail('the pads attribute is required');
    const value = c.attr<number>('value', 0);
    return void c.final('Pad', [x, c.ints(pads), value ? c.b.scalar(value, x.dtype) : null], { mode });
  }
  const axesIn = c.in(3);
  if (!axesIn) return passThrough(c);
  const r = x.rank;
  const axes = c.constInts(3, 'axes')!.map((a) => (a < 0 ? a + r : a));
  const given = c.constInts(1, 'pads') ?? [];
  if (given.length !== 2 * axes.length) c.fail(`pads has ${given.length} entries for ${axes.length} axes`);
  const pads = new Array<number>(2 * r).fill(0);
  axes.forEach((a, j) => {
    if (a < 0 || a >= r) c.fail(`axis ${a} is out of range for rank ${r}`);
    pads[a] = given[j];
    pads[a + r] = given[j + axes.length];
  });
  c.final('Pad', [x, c.ints(pads), c.in(2)], { mode });
};

/** Slice before 10: starts, ends and axes attributes become inputs. */
const slice: Adapter = (c) => {
  if (c.opset >= 10) return passThrough(c);
  const starts = c.attr<number[]>('starts') ?? c.fail('the starts attribute is required');
  const ends = c.attr<number[]>('ends') ?? c.fail('the ends attribute is required');
  const axes = c.attr<number[]>('axes');
  c.final('Slice', [c.in(0), c.ints(starts), c.ints(ends), axes ? c.ints(axes) : null], {});
};

/** Split: `split` attribute before 13; `num_outputs` (18) turned into explicit sizes. */
const split: Adapter = (c) => {
  if (c.opset < 13) return attrToInput(13, 'split', 1)(c);
  const parts = c.attr<number>('num_outputs');
  if (parts === undefined || c.in(1)) return void c.final('Split', c.ins(), c.attrsWithout('num_outputs'));
  const x = c.in(0)!;
  const given = c.attr<number>('axis', 0);
  const axis = given < 0 ? given + x.rank : given;
  const dim = x.shape[axis];
  if (dim === undefined) c.fail(`axis ${given} is out of range for rank ${x.rank}`);
  if (parts !== c.outputs.length) c.fail(`num_outputs ${parts} but the node has ${c.outputs.length} outputs`);
  // Equal chunks of ceil(dim / n), the last one smaller.
  const chunk = Math.ceil(dim / parts);
  const sizes = Array.from({ length: parts }, (_, i) => Math.max(0, Math.min(chunk, dim - i * chunk)));
  c.final('Split', [x, c.ints(sizes)], { axis: given });
};

/** Upsample (7: scales attribute; 9: scales input) is Resize with asymmetric coordinates and floor rounding. */
const upsample: Adapter = (c) => {
  const x = c.in(0)!;
  const scales = c.opset < 9 ? (c.attr<number[]>('scales') ?? c.fail('the scales attribute is required')) : c.constInts(1, 'scales')!;
  c.final('Resize', [x, null, c.b.constant(tensor('float32', [scales.length], scales))], resize10Attrs(c));
};

function resize10Attrs(c: AdaptCtx): Record<string, AttrValue> {
  const mode = c.attr<string>('mode', 'nearest');
  if (mode !== 'nearest' && mode !== 'linear' && mode !== 'bilinear') c.fail(`mode "${mode}" is not supported`);
  return mode === 'nearest'
    ? { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }
    : { mode: 'linear', coordinate_transformation_mode: 'asymmetric' };
}

/**
 * Resize: 10 takes (X, scales) with Upsample's geometry; 11 requires roi and scales where 13 lets
 * them be omitted (empty tensors become omitted inputs); 18 adds `axes` and
 * `keep_aspect_ratio_policy`, resolved here to full-rank scales or sizes.
 */
const resize: Adapter = (c) => {
  const x = c.in(0)!;
  if (c.opset < 11) {
    const scales = c.constInts(1, 'scales')!;
    return void c.final('Resize', [x, null, c.b.constant(tensor('float32', [scales.length], scales))], resize10Attrs(c));
  }
  const present = (i: number) => {
    const v = c.in(i);
    return v && v.size > 0 ? v : null;
  };
  const ctm = c.attr<string>('coordinate_transformation_mode', 'half_pixel');
  if (ctm === 'tf_crop_and_resize') c.fail('coordinate_transformation_mode tf_crop_and_resize is not supported');
  if (ctm === 'half_pixel_symmetric') c.fail('coordinate_transformation_mode half_pixel_symmetric (opset 19) is not supported');
  let scales = present(2);
  let sizes = present(3);
  const attrs = c.attrsWithout('axes', 'keep_aspect_ratio_policy');
  const axesAttr = c.attr<number[]>('axes');
  const policy = c.attr<string>('keep_aspect_ratio_policy', 'stretch');
  if (axesAttr || policy !== 'stretch') {
    const r = x.rank;
    const axes = (axesAttr ?? x.shape.map((_, i) => i)).map((a) => (a < 0 ? a + r : a));
    if (scales) {
      const given = c.constInts(2, 'scales')!;
      const full = x.shape.map(() => 1);
      axes.forEach((a, j) => (full[a] = given[j]));
      scales = c.b.constant(tensor('float32', [r], full));
    } else if (sizes) {
      const given = c.constInts(3, 'sizes')!;
      const full = [...x.shape];
      if (policy === 'stretch') axes.forEach((a, j) => (full[a] = given[j]));
      else {
        // One scale for every listed axis: the largest that fits (not_larger) or the smallest that covers (not_smaller).
        const ratios = axes.map((a, j) => given[j] / x.shape[a]);
        const s = policy === 'not_larger' ? Math.min(...ratios) : policy === 'not_smaller' ? Math.max(...ratios) : c.fail(`unknown keep_aspect_ratio_policy "${policy}"`);
        axes.forEach((a) => (full[a] = Math.round(s * x.shape[a])));
      }
      sizes = c.ints(full);
    }
  }
  c.final('Resize', [x, null, scales, sizes], attrs);
};

/** Dropout in every version is the identity at inference; its mask output, if used, is all true. */
const dropout: Adapter = (c) => {
  const training = c.in(2);
  if (training) {
    const t = training.const ?? c.fail('training_mode must be a constant');
    if (Number(t.data[0])) c.fail('training-mode Dropout is not supported; export the model in inference mode');
  }
  const x = c.in(0)!;
  c.alias(0, x);
  if (c.outputs[1]) {
    const mask = tensor('bool', [1]);
    (mask.data as Uint8Array)[0] = 1;
    c.b.op('ConstantOfShape', [c.ints(x.shape)], { value: mask }, { name: `${c.node.name}/mask`, outputNames: [c.outputs[1]] });
  }
};

/** BatchNormalization in its inference form (opset 15); training outputs and spatial=0 are refused. */
const batchNorm: Adapter = (c) => {
  if (c.attr('spatial', 1) !== 1) c.fail('spatial=0 is not supported');
  if (c.attr('training_mode', 0)) c.fail('training-mode BatchNormalization is not supported; export in inference mode');
  if (c.outputs.slice(1).some(Boolean)) c.fail('running-statistics outputs exist only in training mode');
  c.final('BatchNormalization', c.ins().slice(0, 5), { epsilon: c.attr('epsilon', 1e-5) }, c.outputs.slice(0, 1));
};

/** Attributes that later versions add but opset 17 lacks: dropped where they keep the default meaning. */
const dropDefault =
  (name: string, neutral: (v: AttrValue) => boolean): Adapter =>
  (c) => {
    const v = c.attr(name);
    if (v !== undefined && !neutral(v)) c.fail(`${name} ${JSON.stringify(v)} (opset ${c.opset}) is not supported`);
    c.final(c.node.op, c.ins(), c.attrsWithout(name));
  };

/** Scatter/ScatterND reductions max and min arrived in 18, after opset 17. */
const scatter: Adapter = (c) => {
  const red = c.attr<string>('reduction', 'none');
  if (red === 'max' || red === 'min') c.fail(`reduction "${red}" is not supported`);
  c.final(c.node.op === 'Scatter' ? 'ScatterElements' : c.node.op, c.ins(), c.node.attrs);
};

/** Mish (18): x·tanh(softplus(x)). */
const mish: Adapter = (c) => {
  const x = c.in(0)!;
  c.final('Mul', [x, c.op1('Tanh', [c.op1('Softplus', [x])])], {});
};

/** Gelu (20): exact with Erf, or the tanh approximation. */
const gelu: Adapter = (c) => {
  const x = c.in(0)!;
  const k = (v: number) => c.b.scalar(v, x.dtype);
  const approx = c.attr<string>('approximate', 'none');
  let inner: Value;
  if (approx === 'tanh') {
    const cube = c.op1('Mul', [x, c.op1('Mul', [x, x])]);
    const arg = c.op1('Mul', [k(Math.sqrt(2 / Math.PI)), c.op1('Add', [x, c.op1('Mul', [k(0.044715), cube])])]);
    inner = c.op1('Tanh', [arg]);
  } else if (approx === 'none') inner = c.op1('Erf', [c.op1('Mul', [x, k(Math.SQRT1_2)])]);
  else return c.fail(`approximate "${approx}" is not one of none, tanh`);
  c.final('Mul', [c.op1('Mul', [x, k(0.5)]), c.op1('Add', [inner, k(1)])], {});
};

/**
 * GroupNormalization (18, 21): statistics over each group of channels, then a per-channel affine
 * (opset 18's per-group scale and bias are repeated over the group's channels).
 */
const groupNorm: Adapter = (c) => {
  const x = c.in(0)!;
  const groups = c.attr<number>('num_groups') ?? c.fail('num_groups is required');
  const eps = c.attr<number>('epsilon', 1e-5);
  const [n, ch] = x.shape;
  if (x.rank < 3 || ch % groups) c.fail(`input [${x.shape}] does not split into ${groups} channel groups`);
  const k = (v: number) => c.b.scalar(v, x.dtype);
  const g = c.op1('Reshape', [x, c.ints([n, groups, x.size / (n * groups)])]);
  const mean = c.op1('ReduceMean', [g], { axes: [2], keepdims: 1 });
  const centered = c.op1('Sub', [g, mean]);
  const variance = c.op1('ReduceMean', [c.op1('Mul', [centered, centered])], { axes: [2], keepdims: 1 });
  const normed = c.op1('Div', [centered, c.op1('Sqrt', [c.op1('Add', [variance, k(eps)])])]);
  const back = c.op1('Reshape', [normed, c.ints(x.shape)]);
  const perChannel = (v: Value) => {
    const full = v.size === groups && groups !== ch ? c.op1('Reshape', [c.op1('Expand', [c.op1('Reshape', [v, c.ints([groups, 1])]), c.ints([groups, ch / groups])]), c.ints([ch])]) : v;
    return c.op1('Reshape', [full, c.ints([ch, ...x.shape.slice(2).map(() => 1)])]);
  };
  c.final('Add', [c.op1('Mul', [back, perChannel(c.in(1)!)]), perChannel(c.in(2)!)], {});
};

/**
 * If whose condition is known when the graph is built (exporters test static shapes, e.g.
 * PyTorch's LRN at opset 11+): the taken branch is replayed in place, its outputs renamed to the
 * node's. A condition that depends on run-time data is refused: graphs here have one static path.
 */
const ifNode: Adapter = (c) => {
  const cond = c.in(0)!.const ?? c.fail('the condition depends on run-time values; only conditions known from static shapes are supported');
  const branch = c.node.graphs?.[Number(cond.data[0]) ? 'then_branch' : 'else_branch'] ?? c.fail('a branch is missing');
  if (branch.outputs.length < c.outputs.filter(Boolean).length) c.fail(`the branch has ${branch.outputs.length} outputs for ${c.outputs.length}`);
  for (const [name, t] of branch.initializers) c.b.constant(t, name);
  for (const n of branch.nodes) {
    const outs = [...n.outputs];
    while (outs.length && !outs[outs.length - 1]) outs.pop();
    c.replay(n, outs.map((o, i) => o || `${n.name}_unused${i}`));
  }
  c.outputs.forEach((o, i) => o && c.alias(i, c.b.value(branch.outputs[i])));
};

/**
 * DepthToSpace (DCR, or CRD from 11) and SpaceToDepth as Reshape → Transpose → Reshape, so that
 * super-resolution heads differentiate through the shape rules.
 */
const depthToSpace: Adapter = (c) => {
  const x = c.in(0)!;
  const bs = c.attr<number>('blocksize') ?? c.fail('blocksize is required');
  if (x.rank !== 4) c.fail(`input must be [N, C, H, W], got [${x.shape}]`);
  const [n, ch, h, w] = x.shape;
  if (ch % (bs * bs)) c.fail(`channels ${ch} are not divisible by blocksize² ${bs * bs}`);
  const crd = c.attr<string>('mode', 'DCR') === 'CRD';
  const split = crd ? [n, ch / (bs * bs), bs, bs, h, w] : [n, bs, bs, ch / (bs * bs), h, w];
  const perm = crd ? [0, 1, 4, 2, 5, 3] : [0, 3, 4, 1, 5, 2];
  const t = c.op1('Transpose', [c.op1('Reshape', [x, c.ints(split)])], { perm });
  c.final('Reshape', [t, c.ints([n, ch / (bs * bs), h * bs, w * bs])], {});
};

const spaceToDepth: Adapter = (c) => {
  const x = c.in(0)!;
  const bs = c.attr<number>('blocksize') ?? c.fail('blocksize is required');
  if (x.rank !== 4) c.fail(`input must be [N, C, H, W], got [${x.shape}]`);
  const [n, ch, h, w] = x.shape;
  if (h % bs || w % bs) c.fail(`spatial size ${h}×${w} is not divisible by blocksize ${bs}`);
  const t = c.op1('Transpose', [c.op1('Reshape', [x, c.ints([n, ch, h / bs, bs, w / bs, bs])])], { perm: [0, 3, 5, 1, 2, 4] });
  c.final('Reshape', [t, c.ints([n, ch * bs * bs, h / bs, w / bs])], {});
};

/** ImageScaler (an experimental op of opsets 1–9 that old zoo models use): scale·x + bias[c]. */
const imageScaler: Adapter = (c) => {
  const x = c.in(0)!;
  const bias = c.attr<number[]>('bias') ?? [];
  if (bias.length && bias.length !== x.shape[1]) c.fail(`bias has ${bias.length} values for ${x.shape[1]} channels`);
  let y = c.op1('Mul', [x, c.b.scalar(c.attr<number>('scale', 1), x.dtype)]);
  if (bias.length) y = c.op1('Add', [y, c.b.constant(tensor(x.dtype, [1, bias.length, ...x.shape.slice(2).map(() => 1)], bias))]);
  c.alias(0, y);
};

const ADAPTERS: Record<string, Adapter> = {
  If: ifNode,
  Loop: loopNode,
  Scan: scanNode,
  DepthToSpace: depthToSpace,
  SpaceToDepth: spaceToDepth,
  ImageScaler: imageScaler,
  Squeeze: attrToInput(13, 'axes', 1),
  Unsqueeze: attrToInput(13, 'axes', 1),
  ReduceSum: attrToInput(13, 'axes', 1),
  ReduceMean: reduceAxesToAttr,
  ReduceMax: reduceAxesToAttr,
  ReduceMin: reduceAxesToAttr,
  ReduceProd: reduceAxesToAttr,
  ReduceSumSquare: reduceAxesToAttr,
  ReduceL1: reduceAxesToAttr,
  ReduceL2: reduceAxesToAttr,
  ReduceLogSum: reduceAxesToAttr,
  ReduceLogSumExp: reduceAxesToAttr,
  Softmax: flattenedSoftmax,
  LogSoftmax: flattenedSoftmax,
  Hardmax: flattenedSoftmax,
  Clip: clip,
  Pad: pad,
  Slice: slice,
  Split: split,
  Upsample: upsample,
  Resize: resize,
  Dropout: dropout,
  BatchNormalization: batchNorm,
  Cast: dropDefault('saturate', () => true),
  AveragePool: dropDefault('dilations', (v) => Array.isArray(v) && v.every((d) => d === 1)),
  Scatter: scatter,
  ScatterElements: scatter,
  ScatterND: scatter,
  Mish: mish,
  Gelu: gelu,
  GroupNormalization: groupNorm,
};

/** Whether the engine reads this operator (natively or through an adapter). */
export function isSupportedOp(op: string): boolean {
  return !!findOp(op) || Object.hasOwn(ADAPTERS, op);
}

/** Replays one file node in the internal form, under the file's output names. */
export function adaptNode(b: GraphBuilder, node: RawNode, opset: number, outputNames: string[]) {
  const c = new AdaptCtx(b, node, opset, outputNames);
  (Object.hasOwn(ADAPTERS, node.op) ? ADAPTERS[node.op] : passThrough)(c);
}
