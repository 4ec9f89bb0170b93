// The ports of an ONNX Model node, made from the model file's inputs and outputs as they were
// recorded in its params when the file was chosen: one port per model input and output, an image
// port for a static [N, 1 or 3, H, W] tensor and a tensor (latent) port for anything else, beside
// the fixed `lora` input and `model` output. Pure and free of the engine: the editor runs it too.
import { z } from 'zod';
import { port, type DynamicPorts, type PortMap } from '../../runtime/index.ts';

/** A tensor of the model as the file declares it: a symbolic dimension is its name. */
export const OnnxTensorInfoSchema = z.object({
  name: z.string().min(1).max(256),
  dtype: z.string().min(1).max(16),
  shape: z.array(z.union([z.number().int().min(0), z.string().max(64)])).max(8),
});
export type OnnxTensorInfo = z.infer<typeof OnnxTensorInfoSchema>;

export const OnnxPortListSchema = z.object({
  inputs: z.array(OnnxTensorInfoSchema).max(64),
  outputs: z.array(OnnxTensorInfoSchema).max(64),
});
export type OnnxPortList = z.infer<typeof OnnxPortListSchema>;

/** Ports every ONNX Model node has, whatever its file. */
const FIXED_INPUTS = ['lora'];
const FIXED_OUTPUTS = ['model'];

/** [N, 1 or 3, H, W] with H and W known and above 1: shown and wired as images. */
export const isImageTensor = (shape: OnnxTensorInfo['shape']) =>
  shape.length === 4 && (shape[1] === 1 || shape[1] === 3) && typeof shape[2] === 'number' && typeof shape[3] === 'number' && shape[2] > 1 && shape[3] > 1;

export interface OnnxPort {
  /** The handle wires use: the model's own name, unless it is taken by a fixed port. */
  handle: string;
  info: OnnxTensorInfo;
  image: boolean;
}

function side(list: readonly OnnxTensorInfo[], taken: readonly string[]): OnnxPort[] {
  const used = new Set(taken);
  return list.map((info) => {
    let handle = info.name;
    while (used.has(handle)) handle += '_';
    used.add(handle);
    return { handle, info, image: isImageTensor(info.shape) };
  });
}

/** The model's ports, with the handle each is wired by. */
export function onnxPorts(list: OnnxPortList): { inputs: OnnxPort[]; outputs: OnnxPort[] } {
  return { inputs: side(list.inputs, FIXED_INPUTS), outputs: side(list.outputs, FIXED_OUTPUTS) };
}

/** The node's ports for a recorded list: every model input optional (unwired ones are drawn or zero). */
export function onnxPortMaps(list: OnnxPortList, source: string): DynamicPorts {
  const { inputs, outputs } = onnxPorts(list);
  const kindOf = (p: OnnxPort) => (p.image ? port.image() : port.latent());
  const ins: PortMap = Object.fromEntries(inputs.map((p) => [p.handle, kindOf(p).optional()]));
  const outs: PortMap = { model: port.model(), ...Object.fromEntries(outputs.map((p) => [p.handle, kindOf(p)])) };
  return { inputs: { ...ins, lora: port.lora().optional() }, outputs: outs, from: `model file "${source}"` };
}

/** The ports a node had before its file's ports were recorded (kept for graphs saved then). */
export const LEGACY_INPUTS = { input: 'the chosen model input as a tensor', images: 'the chosen model input as images' } as const;
export const LEGACY_OUTPUTS = { images: 'the chosen model output as images', tensor: 'the chosen model output as a tensor' } as const;

/**
 * Edges of a node whose ports were just recorded, moved off the fixed ports it had before:
 * `input`/`images` in go to the chosen input's port, `images`/`tensor` out to the chosen
 * output's. Returns the handle each edge should now use, by edge id.
 */
export function legacyHandleMoves(
  nodeId: string,
  list: OnnxPortList,
  chosen: { input: string; output: string },
  edges: readonly { id: string; source: string; sourceHandle: string; target: string; targetHandle: string }[],
): Map<string, { sourceHandle?: string; targetHandle?: string }> {
  const { inputs, outputs } = onnxPorts(list);
  const input = (chosen.input ? inputs.find((p) => p.info.name === chosen.input) : inputs[0])?.handle;
  const output = (chosen.output ? outputs.find((p) => p.info.name === chosen.output) : outputs[0])?.handle;
  const moves = new Map<string, { sourceHandle?: string; targetHandle?: string }>();
  for (const e of edges) {
    if (e.target === nodeId && Object.hasOwn(LEGACY_INPUTS, e.targetHandle) && input && !inputs.some((p) => p.handle === e.targetHandle))
      moves.set(e.id, { targetHandle: input });
    if (e.source === nodeId && Object.hasOwn(LEGACY_OUTPUTS, e.sourceHandle) && output && !outputs.some((p) => p.handle === e.sourceHandle))
      moves.set(e.id, { ...moves.get(e.id), sourceHandle: output });
  }
  return moves;
}
