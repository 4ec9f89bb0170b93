// ONNX Model: a person's own ONNX file (a generator, decoder, encoder, or a classifier used as a
// loss; opsets 7–21, weights inside or beside it) run on its input, and handed on as a model
// reference so the Latent Optimizer can invert through it and the LoRA Trainer can tune it.
import { z } from 'zod';
import { declareNode, port } from '../runtime/index.ts';

export default declareNode({
  type: 'onnx-model',
  version: 1,
  title: 'ONNX Model',
  category: 'model',
  description:
    'Your own ONNX model (opsets 7–21; weights inside the file or beside it). Runs it on its input — a wired latent or images, else a seeded draw — and outputs the chosen output as images (when it is [N, 1 or 3, H, W]) and as a tensor. Wire its model into a Latent Optimizer to find the input that reproduces images, or a LoRA Trainer to tune chosen MatMul/Gemm/Conv weights; wire the trained LoRA back here to run the tuned model.',
  framework: { family: 'any', space: 'the model input' },
  inputs: { input: port.latent().optional(), images: port.image().optional(), lora: port.lora().optional() },
  outputs: { model: port.model(), images: port.image(), tensor: port.latent() },
  params: z.object({
    /** Path (relative to the graph or the app's public folder) or URL of the .onnx file. */
    source: z.string().min(1).max(1_000_000).meta({ title: 'Model file', description: 'Path (relative to the graph or the app\'s public folder) or URL of the .onnx file.' }),
    /** The model input fed and optimized ('' = the first). */
    input: z.string().max(256).default('').meta({ title: 'Model input', description: 'The model input that is fed and optimized; empty means the first.' }),
    /** The model output shown and matched ('' = the first). */
    output: z.string().max(256).default('').meta({ title: 'Model output', description: 'The model output that is shown and matched; empty means the first.' }),
    /** Value range of image tensors the model takes and makes (a tanh generator makes −1..1). */
    range: z.enum(['0..1', '-1..1']).default('-1..1').meta({ title: 'Image range', description: 'Value range of image tensors the model takes and makes (a tanh generator makes -1..1).' }),
    /** Initializers LoRA adapts, by name; empty = every MatMul/Gemm/Conv weight. */
    loraWeights: z.array(z.string().min(1).max(256)).max(256).default([]).meta({ title: 'LoRA weights', description: 'Initializers LoRA adapts, by name; empty means every MatMul, Gemm and Conv weight.' }),
    /** Batch size for a symbolic batch dimension when nothing wired sets it. */
    batch: z.number().int().min(1).max(64).default(1).meta({ title: 'Batch size', description: 'Batch size for a symbolic batch dimension when nothing wired sets it.' }),
    /** Seed of the input drawn when none is wired. */
    seed: z.number().int().min(0).max(0xffffffff).default(0).meta({ title: 'Seed', description: 'Seed of the input drawn when none is wired.' }),
  }),
});
