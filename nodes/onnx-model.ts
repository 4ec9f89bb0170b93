// ONNX Model: a person's own ONNX file (a generator, decoder, encoder, or a classifier used as a
// loss; opsets 7–21, weights inside or beside it) run on its input, and handed on as a model
// reference so the Latent Optimizer can invert through it and the LoRA Trainer can tune it.
import { z } from 'zod';
import { declareNode, port } from '../runtime/index.ts';
import { OnnxPortListSchema, onnxPortMaps } from './personalize/onnx-ports.ts';

export default declareNode({
  type: 'onnx-model',
  version: 1,
  title: 'ONNX Model',
  category: 'model',
  description:
    'Your own ONNX model (opsets 7–21; weights inside the file or beside it). Shows one port per model input and output — images where the tensor is [N, 1 or 3, H, W], tensors otherwise — and runs it: an input left unwired gets a seeded draw (float) or zeros. Wire its model into a Latent Optimizer to find the input that reproduces images, or a LoRA Trainer to tune chosen MatMul/Gemm/Conv weights; wire the trained LoRA back here to run the tuned model.',
  framework: { family: 'any', space: 'the model input' },
  // The ports a node has before its file's own are recorded (and that graphs saved then use):
  // the chosen input as a tensor or images, the chosen output as images and as a tensor.
  inputs: { input: port.latent().optional(), images: port.image().optional(), lora: port.lora().optional() },
  outputs: { model: port.model(), images: port.image(), tensor: port.latent() },
  params: z.object({
    /** Path (relative to the graph or the app's public folder) or URL of the .onnx file. */
    source: z.string().min(1).max(1_000_000).meta({ title: 'Model file', description: 'Path (relative to the graph or the app\'s public folder) or URL of the .onnx file.' }),
    /** The model input the Latent Optimizer and LoRA Trainer work through ('' = the first). */
    input: z.string().max(256).default('').meta({ title: 'Optimized input', description: 'The model input the Latent Optimizer inverts into and the LoRA Trainer holds; empty means the first.', namesFrom: 'ports.inputs' }),
    /** The model output they match against images ('' = the first). */
    output: z.string().max(256).default('').meta({ title: 'Matched output', description: 'The model output matched against images by the Latent Optimizer and LoRA Trainer; empty means the first.', namesFrom: 'ports.outputs' }),
    /** The file's inputs and outputs, recorded when it is chosen: the node's ports. Absent in graphs saved before. */
    ports: OnnxPortListSchema.optional().meta({ title: 'Model ports', description: 'The model file\'s inputs and outputs (names, types, shapes), read when the file is chosen.', readOnly: true }),
    /** Value range of image tensors the model takes and makes (a tanh generator makes −1..1). */
    range: z.enum(['0..1', '-1..1']).default('-1..1').meta({ title: 'Image range', description: 'Value range of image tensors the model takes and makes (a tanh generator makes -1..1).' }),
    /** Initializers LoRA adapts, by name; empty = every MatMul/Gemm/Conv weight. */
    loraWeights: z.array(z.string().min(1).max(256)).max(256).default([]).meta({ title: 'LoRA weights', description: 'Initializers LoRA adapts, by name; empty means every MatMul, Gemm and Conv weight.' }),
    /** Batch size for a symbolic batch dimension when nothing wired sets it. */
    batch: z.number().int().min(1).max(64).default(1).meta({ title: 'Batch size', description: 'Batch size for a symbolic batch dimension when nothing wired sets it.' }),
    /** Seed of the inputs drawn when none is wired: the file's k-th input draws with seed + k. */
    seed: z.number().int().min(0).max(0xffffffff).default(0).meta({ title: 'Seed', description: 'Seed of the inputs drawn when none is wired (the file\'s k-th input draws with seed + k).' }),
  }),
  dynamicPorts: (p) => (p.ports ? onnxPortMaps(p.ports, p.source) : undefined),
});
