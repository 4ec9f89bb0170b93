// How the evaluator appears in a model pack: its architecture entry is { kind, ...ClipConfig }, and
// the weights it needs follow from building the model once (no session, nothing run).
import { paramShapes } from '../pack/spec.ts';
import { buildTrainingGraph } from './clip.ts';
import { type ClipConfig, clipConfig } from './config.ts';

export const CLIP_KIND = 'small-clip-v1';

export const clipArchitecture = (config: ClipConfig) => ({ kind: CLIP_KIND, ...config });

/** The config inside a manifest entry (the kind is checked, other keys validated by the schema). */
export function configFromArchitecture(arch: { kind: string } & Record<string, unknown>): ClipConfig {
  if (arch.kind !== CLIP_KIND) throw new Error(`evaluator architecture kind is "${arch.kind}", not ${CLIP_KIND}`);
  const { kind: _kind, ...rest } = arch;
  return clipConfig(rest as Parameters<typeof clipConfig>[0]);
}

/** Name → shape of every evaluator weight: the TensorSpec the pack loader checks files against. */
export const clipWeightShapes = (arch: { kind: string } & Record<string, unknown>) => paramShapes(buildTrainingGraph(configFromArchitecture(arch), 1).params);
