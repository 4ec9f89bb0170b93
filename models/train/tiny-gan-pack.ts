// A GAN pack that proves the wiring, not the training: a smoke run's generator (two iterations of
// a tiny 64×64 config), the diffusion pack's evaluator as the export copies it, and an untrained
// encoder (its output layers start at zero, so it returns the mean code). Tests of the nodes and
// of the example graphs use it where the trained pack is not wanted or not there.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GraphBuilder, Params } from '../../ml/index.ts';
import { ENCODER_PREFIX, encoderConfigFor, GanEncoder } from '../gan/encoder.ts';
import { ganEncoderEntrySchema } from '../pack/manifest.ts';
import { readManifest, writeManifest } from '../pack/write.ts';
import { exportGanEncoder } from './gan-encoder-export.ts';
import { exportGanPack } from './gan-export.ts';
import { train } from './gan.train.ts';
import { trainOptionsSchema } from './options.ts';

export async function writeTinyGanPack(dir: string): Promise<void> {
  const runs = mkdtempSync(join(tmpdir(), 'tiny-gan-run-'));
  try {
    await train({ ...trainOptionsSchema.parse({ checkpoints: runs, out: dir, smoke: true, steps: 2, noExport: true }), log: () => {} });
    const { manifest } = await exportGanPack({ checkpointDir: join(runs, 'gan'), dir, threads: 1 });
    const config = encoderConfigFor(manifest.components.generator.architecture as never, { channels: [8, 8, 8], groups: 4, squeeze: [4, 4, 2], hidden: 16 });
    const p = new Params(new GraphBuilder('tiny-gan-encoder'), { seed: 1 });
    new GanEncoder(p, ENCODER_PREFIX, config);
    const recipe = { steps: 0, batch: 1, lr: 1e-3, optimizer: 'none (untrained)', wallTimeSeconds: 0, threads: 1, data: 'none', seed: 1 };
    const entry = ganEncoderEntrySchema.parse(await exportGanEncoder({ dir, config, weights: p.initial(), recipe }));
    const m = readManifest(dir);
    if (m?.family !== 'stylegan') throw new Error(`tiny GAN pack: ${dir} holds no GAN manifest`);
    m.components.encoder = entry;
    writeManifest(dir, m);
  } finally {
    rmSync(runs, { recursive: true, force: true });
  }
}
