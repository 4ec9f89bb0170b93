// The grad command's work, without the process around it: ONNX bytes in, gradient model out.
// Names are checked against the file first so that a typo gets an answer in the file's terms
// (which outputs, inputs and initializers exist) rather than an error from deep in the import.
import { isFloat } from '../dtype.ts';
import { grad } from '../grad/grad.ts';
import type { Graph } from '../ir.ts';
import type { ExternalDataReader } from '../onnx/external-data.ts';
import { importOnnx } from '../onnx/import.ts';
import { decodeOnnx, toOnnxBytes, type RawModel } from '../onnx/serialize.ts';

export interface GradModelOptions {
  /** Output whose sum is differentiated. */
  loss: string;
  /** Float inputs or initializers to differentiate with respect to. */
  wrt: readonly string[];
  /** Sizes of symbolic dimensions. */
  dims?: Record<string, number>;
  /**
   * Whether the chosen initializers keep their stored value in the written model (default true).
   * Python's onnxruntime lets a feed override such an input; the JavaScript bindings ignore the feed
   * and use the stored value, so a model meant to be fed new weights from JS is written without.
   */
  keepDefaults?: boolean;
  /** Reads weights the model keeps in external data files. */
  external?: ExternalDataReader;
}

export interface GradModelResult {
  graph: Graph;
  bytes: Uint8Array;
  /** The wrt names that were initializers and are now default-valued inputs. */
  trainable: string[];
}

/** A problem with the model or the names asked for (as opposed to a bug): the CLI prints only the message. */
export class GradModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GradModelError';
  }
}

const list = (xs: readonly string[], max = 12) =>
  xs.length === 0 ? '(none)' : xs.length <= max ? xs.join(', ') : `${xs.slice(0, max).join(', ')}, … (${xs.length} in all)`;

/** Decodes without trusting the caller's buffer type: protobufjs hands out Node Buffer views for a
 * Buffer, and Buffer.slice does not copy, which breaks aligned typed-array views of raw tensor data. */
export function decodeModel(bytes: Uint8Array, external?: ExternalDataReader): RawModel {
  return decodeOnnx(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), { external });
}

function checkNames(raw: RawModel, opts: GradModelOptions): string[] {
  const outputs = raw.outputs.map((o) => o.name);
  if (!outputs.includes(opts.loss)) throw new GradModelError(`the model has no output "${opts.loss}"; its outputs: ${list(outputs)}`);
  const lossInfo = raw.outputs.find((o) => o.name === opts.loss)!;
  if (!isFloat(lossInfo.dtype))
    throw new GradModelError(`output "${opts.loss}" is ${lossInfo.dtype}; the loss must be a float tensor`);

  const inits = raw.initializers;
  // Before IR version 4 initializers were also listed as inputs; those count as initializers.
  const inputs = raw.inputs.filter((i) => !inits.has(i.name));
  const floatInputs = inputs.filter((i) => isFloat(i.dtype)).map((i) => i.name);
  const floatInits = [...inits].filter(([, t]) => isFloat(t.dtype)).map(([k]) => k);
  const trainable: string[] = [];
  for (const w of opts.wrt) {
    const input = inputs.find((i) => i.name === w);
    const init = inits.get(w);
    if (input) {
      if (!isFloat(input.dtype)) throw new GradModelError(`input "${w}" is ${input.dtype}; only float values have gradients`);
    } else if (init) {
      if (!isFloat(init.dtype)) throw new GradModelError(`initializer "${w}" is ${init.dtype}; only float values have gradients`);
      trainable.push(w);
    } else {
      throw new GradModelError(
        `"${w}" is neither an input nor an initializer of the model.\n  float inputs: ${list(floatInputs)}\n  float initializers: ${list(floatInits)}`,
      );
    }
  }

  // Every symbolic dimension of an input needs a size, and every given size should be used.
  const symbolic = new Map<string, string>();
  for (const i of inputs) for (const d of i.dims) if (typeof d === 'string' && !symbolic.has(d)) symbolic.set(d, i.name);
  const dims = opts.dims ?? {};
  const missing = [...symbolic].filter(([d]) => !(d in dims));
  if (missing.length)
    throw new GradModelError(
      `the model has symbolic dimensions without a size: ${missing.map(([d, i]) => `"${d}" (of input "${i}")`).join(', ')}; ` +
        `give each with --dim, e.g. --dim ${missing[0][0]}=1`,
    );
  const unused = Object.keys(dims).filter((d) => !symbolic.has(d));
  if (unused.length)
    throw new GradModelError(
      `the model has no symbolic dimension ${unused.map((d) => `"${d}"`).join(', ')}; its symbolic dimensions: ${list([...symbolic.keys()])}`,
    );
  return trainable;
}

export function gradModel(bytes: Uint8Array, opts: GradModelOptions): GradModelResult {
  const raw = decodeModel(bytes, opts.external);
  const trainable = checkNames(raw, opts);
  const graph = importOnnx(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
    trainable,
    dims: opts.dims ?? {},
    external: opts.external,
  });
  for (const w of opts.wrt)
    if (graph.values.has(`${w}_grad`))
      throw new GradModelError(`the model already has a value named "${w}_grad", the name the gradient of "${w}" would take`);
  const g = grad(graph, { loss: opts.loss, wrt: opts.wrt });
  // Serialized only when asked: a gradient model past 2 GB is written with external data instead.
  return {
    graph: g,
    get bytes() {
      return toOnnxBytes(g, { keepDefaults: opts.keepDefaults ?? true });
    },
    trainable,
  };
}
