// Run code of the ONNX Model node, declared in ./onnx-model.ts (the editor loads the declaration alone).
// A node whose file's ports are recorded feeds every wired port and hands on every output; one
// saved before that has the fixed ports (one chosen input in, one chosen output out) and runs as then.
import type { z } from 'zod';
import { f32, isFloat, type Tensor } from '../ml/index.ts';
import { OnnxFamily } from '../models/onnx/family.ts';
import type { ImportedModel } from '../models/onnx/imported-model.ts';
import { loraSpecFrom } from '../models/onnx/lora.ts';
import { implementNode, type ModelRef, type NodeOutputs, type PortValue, type RunContext } from '../runtime/index.ts';
import { importedModel, readOnnxPorts } from './personalize/onnx-models.ts';
import { onnxPorts, type OnnxPort, type OnnxPortList } from './personalize/onnx-ports.ts';
import spec from './onnx-model.ts';

type Params = z.output<typeof spec.params>;
type Ctx = RunContext<typeof spec.inputs, Params>;

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

function reference(params: Params, family: OnnxFamily, batch: number, value?: Tensor): ModelRef {
  return {
    kind: 'model',
    pack: `onnx:${params.source}`,
    loras: [],
    onnx: { source: params.source, input: family.input.name, output: family.output.name, range: params.range, weights: params.loraWeights, batch, ...(value ? { value } : {}) },
  };
}

/** The fixed ports of graphs saved before ports were recorded: one chosen input, one chosen output. */
async function runLegacy({ inputs, params, platform, signal }: Ctx): Promise<NodeOutputs> {
  const wired: Tensor | undefined = inputs.input?.tensor ?? inputs.images?.tensor;
  const batch = wired?.shape[0] ?? params.batch;
  const model = await importedModel(params.source, batch, platform, signal);
  const family = new OnnxFamily(model, { input: params.input, output: params.output, range: params.range, weights: params.loraWeights, source: params.source });
  const input = family.input;
  let value: Tensor;
  if (inputs.input) value = inputs.input.tensor;
  else if (inputs.images) value = family.toInput(inputs.images.tensor);
  else value = model.sampleInput(input.name, params.seed);
  if (!sameShape(value.shape, input.shape)) throw new Error(`input "${input.name}" of "${model.name}" is [${input.shape}]; the wired value is [${value.shape}]`);
  const lora = inputs.lora ? loraSpecFrom(inputs.lora.tensors, inputs.lora.meta) : undefined;
  const out = await family.render(value, lora);
  return {
    model: reference(params, family, batch, inputs.input ? value : undefined),
    // A non-image output has no picture: an empty batch keeps the port typed.
    images: { kind: 'image', tensor: family.output.image ? family.toImages(out) : f32([0, 3, 1, 1]) },
    tensor: { kind: 'latent', space: `onnx:${family.output.name}`, tensor: out },
  };
}

/** A recorded port the file no longer has: the file changed after its ports were read. */
function stale(p: OnnxPort, side: 'input' | 'output', model: ImportedModel, source: string): Error {
  const have = (side === 'input' ? model.inputs : model.outputs).map((q) => `${q.name} [${q.shape}]`).join(', ') || 'none';
  return new Error(`${side} "${p.handle}" is no longer in ${source} (its ${side}s: ${have}): the file changed since its ports were read; choose the file again to refresh them`);
}

/** One port per model input and output, as recorded from the file. */
async function runRecorded({ inputs, params, platform, signal }: Ctx, list: OnnxPortList): Promise<NodeOutputs> {
  const ports = onnxPorts(list);
  const wired = inputs as unknown as Record<string, PortValue | undefined>;
  const valueOf = (p: OnnxPort) => {
    const v = wired[p.handle];
    return v && 'tensor' in v ? (v.tensor as Tensor) : undefined;
  };
  const first = ports.inputs.map(valueOf).find((v) => v);
  const batch = first?.shape[0] ?? params.batch;
  const model = await importedModel(params.source, batch, platform, signal);
  for (const p of ports.inputs) if (valueOf(p) && !model.inputs.some((q) => q.name === p.info.name)) throw stale(p, 'input', model, params.source);
  for (const p of ports.outputs) if (!model.outputs.some((q) => q.name === p.info.name)) throw stale(p, 'output', model, params.source);
  const family = new OnnxFamily(model, { input: params.input, output: params.output, range: params.range, weights: params.loraWeights, source: params.source });

  const feeds: Record<string, Tensor> = {};
  model.inputs.forEach((info, k) => {
    const p = ports.inputs.find((q) => q.info.name === info.name);
    const v = p && valueOf(p);
    if (!v) {
      // Unwired: a seeded draw for a float input (a generator's latent), zeros otherwise (run fills them).
      if (isFloat(info.dtype)) feeds[info.name] = model.sampleInput(info.name, (params.seed + k) >>> 0);
      return;
    }
    const fed = p.image ? new OnnxFamily(model, { input: info.name, range: params.range, source: params.source }).toInput(v) : v;
    if (!sameShape(fed.shape, info.shape)) throw new Error(`input "${info.name}" of "${model.name}" is [${info.shape}]; the value wired to it is [${fed.shape}]`);
    feeds[info.name] = fed;
  });
  const lora = inputs.lora ? loraSpecFrom(inputs.lora.tensors, inputs.lora.meta) : undefined;
  const out = await model.run(feeds, ports.outputs.map((p) => p.info.name), lora);
  const chosenPort = ports.inputs.find((p) => p.info.name === family.input.name);
  const outputs: NodeOutputs = { model: reference(params, family, batch, chosenPort && valueOf(chosenPort) ? feeds[family.input.name] : undefined) };
  for (const p of ports.outputs) {
    const t = out[p.info.name];
    outputs[p.handle] = p.image && t.shape.length === 4 ? { kind: 'image', tensor: family.toImages(t) } : { kind: 'latent', space: `onnx:${p.info.name}`, tensor: t };
  }
  return outputs;
}

export default implementNode(
  spec,
  async (ctx) => {
    ctx.progress(0, 1);
    const out = ctx.params.ports ? await runRecorded(ctx, ctx.params.ports) : await runLegacy(ctx);
    ctx.progress(1, 1);
    // Recorded ports are known only at run time, so the output names are not the declared ones.
    return out as never;
  },
  // The file's inputs and outputs, which the editor records in `ports` when the file is chosen.
  { describe: (params, platform, signal): Promise<OnnxPortList> => readOnnxPorts(params.source, params.batch, platform, signal) },
);
