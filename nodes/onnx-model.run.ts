// Run code of the ONNX Model node, declared in ./onnx-model.ts (the editor loads the declaration alone).
import { f32, type Tensor } from '../ml/index.ts';
import { OnnxFamily } from '../models/onnx/family.ts';
import { loraSpecFrom } from '../models/onnx/lora.ts';
import { implementNode, type ModelRef } from '../runtime/index.ts';
import { importedModel } from './personalize/onnx-models.ts';
import spec from './onnx-model.ts';

export default implementNode(spec, async ({ inputs, params, platform, signal, progress }) => {
  progress(0, 1);
  const wired: Tensor | undefined = inputs.input?.tensor ?? inputs.images?.tensor;
  const batch = wired?.shape[0] ?? params.batch;
  const model = await importedModel(params.source, batch, platform, signal);
  const family = new OnnxFamily(model, { input: params.input, output: params.output, range: params.range, weights: params.loraWeights, source: params.source });
  const input = family.input;
  let value: Tensor;
  if (inputs.input) value = inputs.input.tensor;
  else if (inputs.images) {
    value = family.toInput(inputs.images.tensor);
  } else value = model.sampleInput(input.name, params.seed);
  if (value.shape.length !== input.shape.length || value.shape.some((d, i) => d !== input.shape[i]))
    throw new Error(`input "${input.name}" of "${model.name}" is [${input.shape}]; the wired value is [${value.shape}]`);
  const lora = inputs.lora ? loraSpecFrom(inputs.lora.tensors, inputs.lora.meta) : undefined;
  const out = await family.render(value, lora);
  progress(1, 1);
  const ref: ModelRef = {
    kind: 'model',
    pack: `onnx:${params.source}`,
    loras: [],
    onnx: { source: params.source, input: input.name, output: family.output.name, range: params.range, weights: params.loraWeights, batch, ...(inputs.input ? { value } : {}) },
  };
  return {
    model: ref,
    // A non-image output has no picture: an empty batch keeps the port typed.
    images: { kind: 'image', tensor: family.output.image ? family.toImages(out) : f32([0, 3, 1, 1]) },
    tensor: { kind: 'latent', space: `onnx:${family.output.name}`, tensor: out },
  };
});
