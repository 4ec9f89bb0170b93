// The GAN generator as a model pack records it: the architecture entry ({ kind, ...GanConfig }),
// the weights it needs (every g.* tensor and the truncation centre w_avg) and the layers that take
// LoRA adapters. Kept apart from the loader so the manifest schema can import it without a cycle.
import { z } from 'zod';
import { GraphBuilder, Params } from '../../ml/index.ts';
import { paramShapes } from '../pack/spec.ts';
import { checkGanConfig, type GanConfig, ganConfigSchema } from './config.ts';
import { Generator } from './generator.ts';
import { W_AVG } from './graphs.ts';

export const GAN_GENERATOR_KIND = 'stylegan2-v1';

/** A generator entry's architecture: the bounded GanConfig under its kind. */
export const ganGeneratorArchitectureSchema = z.object({ kind: z.literal(GAN_GENERATOR_KIND) }).extend(ganConfigSchema.shape).strict();
export type GanGeneratorArchitecture = z.infer<typeof ganGeneratorArchitectureSchema>;

export const ganGeneratorArchitecture = (c: GanConfig): GanGeneratorArchitecture => ({ kind: GAN_GENERATOR_KIND, ...c });

/** The GanConfig of an architecture entry (bounded by the schema; level count checked). */
export function ganConfigFrom(arch: { kind: string } & Record<string, unknown>): GanConfig {
  const { kind: _, ...config } = ganGeneratorArchitectureSchema.parse(arch);
  checkGanConfig(config);
  return config;
}

/** Builds the generator's modules once (no graph run) for its parameter names and shapes. */
function generatorParams(c: GanConfig): { p: Params; g: Generator } {
  const p = new Params(new GraphBuilder('gan-generator-spec'));
  return { p, g: new Generator(p, 'g', c) };
}

/** Every tensor generator.safetensors holds, name → shape: the g.* weights and w_avg [wDim]. */
export function generatorWeightShapes(arch: { kind: string } & Record<string, unknown>): Record<string, number[]> {
  const c = ganConfigFrom(arch);
  return { ...paramShapes(generatorParams(c).p), [W_AVG]: [c.wDim] };
}

/** The modulated convolutions (dotted paths, as in weight names): where LoRA adapters go. */
export function ganLoraLayers(c: GanConfig): string[] {
  return generatorParams(c).g.synthesis.styleLayers().map((s) => s.path);
}
