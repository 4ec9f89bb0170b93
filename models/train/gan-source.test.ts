// Where the encoder's trainer gets its generator: a GAN checkpoint's EMA weights (not the raw
// training weights beside them) or a pack's generator file, checked against its sha256.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { f32, type Tensor, writeSafetensors } from '../../ml/index.ts';
import { ganConfigSchema } from '../gan/config.ts';
import { generatorGraph, W_AVG } from '../gan/graphs.ts';
import { sha256Hex } from '../pack/load.ts';
import { saveCheckpoint } from './checkpoint.ts';
import { ganFromCheckpoint, ganFromPack, hasGanPack } from './gan-source.ts';

const root = mkdtempSync(join(tmpdir(), 'gan-source-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const config = ganConfigSchema.parse({ resolution: 16, zDim: 8, wDim: 8, mappingLayers: 2, classes: 3, channels: [8, 6, 4], dChannels: [4, 6, 8], mbstdGroup: 2 });
const raw = { ...generatorGraph(config, 1, { space: 'w+' }).p.initial(), [W_AVG]: f32([config.wDim]) };
const scaled = (t: Tensor, k: number) => f32(t.shape, (t.data as Float32Array).map((v, i) => v * k + i * 1e-3));

describe('GAN source', () => {
  it('takes the EMA generator of a checkpoint, reshaped to the weights it stands for', () => {
    const dir = join(root, 'ckpt');
    const ema = Object.fromEntries(Object.entries(raw).map(([n, t]) => [`ema/${n}`, f32([t.data.length], scaled(t, 2).data as Float32Array)]));
    saveCheckpoint(dir, {
      state: { model: 'gan', step: 7, totalSteps: 10, seed: 0, wallTimeSeconds: 1, lossEma: null, settings: { config }, savedAt: 'now' },
      params: raw,
      optimizer: { ...ema, 'g_opt/step.x': f32([], [1]) },
    });
    const g = ganFromCheckpoint(dir);
    expect(g.config).toEqual(config);
    expect(g.description).toMatch(/step 7/);
    for (const [n, t] of Object.entries(raw)) {
      expect(g.weights[n].shape, n).toEqual(t.shape);
      expect(g.weights[n].data, n).toEqual(scaled(t, 2).data);
    }
    const { 'ema/g.synthesis.const': _, ...missing } = ema;
    saveCheckpoint(dir, { state: { model: 'gan', step: 8, totalSteps: 10, seed: 0, wallTimeSeconds: 1, lossEma: null, settings: { config }, savedAt: 'now' }, params: raw, optimizer: missing });
    expect(() => ganFromCheckpoint(dir)).toThrow(/has no generator weight "g.synthesis.const"/);
  });

  it('reads a pack generator, refusing a file that does not match its sha256', async () => {
    const dir = join(root, 'pack');
    expect(hasGanPack(dir)).toBe(false);
    const bytes = writeSafetensors(raw);
    const manifest = (sha256: string) => ({ components: { generator: { weights: 'generator.safetensors', sha256, architecture: { kind: 'stylegan2-v1', ...config } } } });
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'generator.safetensors'), bytes);
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest(await sha256Hex(bytes))));
    expect(hasGanPack(dir)).toBe(true);
    const g = ganFromPack(dir);
    for (const [n, t] of Object.entries(raw)) expect(g.weights[n].data, n).toEqual(t.data);
    expect(g.fingerprint).toBe(await sha256Hex(bytes));
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest('0'.repeat(64))));
    expect(() => ganFromPack(dir)).toThrow(/does not match its sha256/);
  });
});
