// Resumable checkpoints: weights and optimizer state as safetensors, and the loop's state (step,
// seed, wall time, loss average) as JSON, in <dir>/. The run's randomness (batch order, noise) is a
// pure function of (seed, step) — see batches.ts — so the seed and step ARE the RNG state, and a
// resumed run continues bit-identically. Files are written under temporary names and renamed, and
// state.json last, so a run killed mid-write leaves the previous checkpoint whole.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { readSafetensors, type Tensor, writeSafetensors } from '../../ml/index.ts';

export const checkpointStateSchema = z.object({
  model: z.string(),
  step: z.number().int().nonnegative(),
  totalSteps: z.number().int().positive(),
  seed: z.number().int(),
  /** Wall time of all segments so far. */
  wallTimeSeconds: z.number().nonnegative(),
  lossEma: z.number().nullable(),
  /** The run's settings (batch, lr, architecture…); a resume with other settings is refused. */
  settings: z.record(z.string(), z.unknown()),
  savedAt: z.string(),
});
export type CheckpointState = z.infer<typeof checkpointStateSchema>;

export interface Checkpoint {
  state: CheckpointState;
  params: Record<string, Tensor>;
  optimizer: Record<string, Tensor>;
}

const FILES = { params: 'params.safetensors', optimizer: 'optimizer.safetensors', state: 'state.json' };

function writeAtomic(file: string, bytes: Uint8Array | string): void {
  writeFileSync(`${file}.tmp`, bytes);
  renameSync(`${file}.tmp`, file);
}

export function saveCheckpoint(dir: string, ckpt: Checkpoint): void {
  mkdirSync(dir, { recursive: true });
  writeAtomic(join(dir, FILES.params), writeSafetensors(ckpt.params));
  writeAtomic(join(dir, FILES.optimizer), writeSafetensors(ckpt.optimizer));
  writeAtomic(join(dir, FILES.state), `${JSON.stringify(checkpointStateSchema.parse(ckpt.state), null, 2)}\n`);
}

export function hasCheckpoint(dir: string): boolean {
  return existsSync(join(dir, FILES.state));
}

export function loadCheckpoint(dir: string): Checkpoint {
  if (!hasCheckpoint(dir)) throw new Error(`no checkpoint in ${dir} (state.json is missing)`);
  const state = checkpointStateSchema.parse(JSON.parse(readFileSync(join(dir, FILES.state), 'utf8')));
  const read = (f: string) => readSafetensors(new Uint8Array(readFileSync(join(dir, f)))).tensors;
  return { state, params: read(FILES.params), optimizer: read(FILES.optimizer) };
}

/** Settings that differ between a checkpoint and the new run, as 'key: old → new' lines. */
export function settingsDiff(saved: Record<string, unknown>, now: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(saved), ...Object.keys(now)]);
  return [...keys].filter((k) => JSON.stringify(saved[k]) !== JSON.stringify(now[k])).map((k) => `${k}: ${JSON.stringify(saved[k])} → ${JSON.stringify(now[k])}`);
}
