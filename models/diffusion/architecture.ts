// How the text encoder and the UNet appear in a model pack: an architecture entry is
// { kind, ...config }, and the weights each needs follow from building its graph once.
import { paramShapes } from '../pack/spec.ts';
import { type DiffusionConfig, textEncoderGraph, unetGraph } from './graphs.ts';
import { type ScheduleConfig, scheduleConfigSchema } from './schedule.ts';
import { type TextEncoderConfig, textEncoderConfigSchema } from './text-encoder.ts';
import { UNET_LORA_MATCH, type UNetConfig, unetConfigSchema } from './unet.ts';

export const TEXT_ENCODER_KIND = 'text-encoder-v1';
export const UNET_KIND = 'cond-unet-v1';

export const textEncoderArchitecture = (c: TextEncoderConfig) => ({ kind: TEXT_ENCODER_KIND, ...c });
/**
 * The UNet's entry records the noise schedule it was trained with (samplers must use the same) and
 * its prediction type (an entry without one is an ε-model): both are part of its config.
 */
export const unetArchitecture = (c: UNetConfig) => ({ kind: UNET_KIND, ...c });

/** The training noise schedule from a UNet entry (the default one when the entry predates the field). */
export const scheduleFromArchitecture = (arch: Arch): ScheduleConfig => scheduleConfigSchema.parse(arch.schedule ?? {});

type Arch = { kind: string } & Record<string, unknown>;

function strip(arch: Arch, kind: string): Record<string, unknown> {
  if (arch.kind !== kind) throw new Error(`architecture kind is "${arch.kind}", not ${kind}`);
  const { kind: _kind, ...rest } = arch;
  return rest;
}

/** The two components' configs, read back from their manifest entries. */
export function configFromArchitectures(text: Arch, unet: Arch): DiffusionConfig {
  return { text: textEncoderConfigSchema.parse(strip(text, TEXT_ENCODER_KIND)), unet: unetConfigSchema.parse(strip(unet, UNET_KIND)) };
}

/** Name → shape of the text encoder's weights (the token table included). */
export function textEncoderWeightShapes(arch: Arch): Record<string, number[]> {
  const text = textEncoderConfigSchema.parse(strip(arch, TEXT_ENCODER_KIND));
  return paramShapes(textEncoderGraph({ text, unet: unetConfigSchema.parse({ contextDim: text.dim }) }, 1).p);
}

/** Name → shape of the UNet's weights. */
export function unetWeightShapes(arch: Arch): Record<string, number[]> {
  const unet = unetConfigSchema.parse(strip(arch, UNET_KIND));
  const text = textEncoderConfigSchema.parse({ vocabSize: 1, maxLength: 1, dim: unet.contextDim });
  return paramShapes(unetGraph({ text, unet }, 1).p);
}

/** The UNet layers that accept LoRA, split by kind, for the manifest's `lora` list. */
export function unetLoraTargets(config: DiffusionConfig): { attention: string[]; conv: string[] } {
  const { unet } = unetGraph(config, 1);
  const attention: string[] = [];
  const conv: string[] = [];
  const visit = (m: { path: string; children(): [string, unknown][] }) => {
    if (UNET_LORA_MATCH.test(m.path)) (/conv[12]$/.test(m.path) ? conv : attention).push(m.path);
    for (const [, c] of m.children()) visit(c as typeof m);
  };
  visit(unet);
  return { attention, conv };
}
