// The GAN pack from a smoke run's checkpoint: the generator's EMA weights as loadGanPack reads them
// back, the diffusion pack's evaluator copied byte for byte, the recipe; what a re-export keeps
// (metrics and an encoder fitted to the same weights) and drops (both, for new weights); a folder
// of the other family refused; the command line's --export-only and default pack.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { f32, GraphBuilder, Params } from '../../ml/index.ts';
import { ganConfigSchema } from '../gan/config.ts';
import { ENCODER_PREFIX, encoderConfigFor, GanEncoder } from '../gan/encoder.ts';
import { ganLoraLayers } from '../gan/architecture.ts';
import { loadGanPack } from '../gan/pack.ts';
import { toFloat16, toFloat32 } from '../pack/half.ts';
import { PackError } from '../pack/load.ts';
import { ganEncoderEntrySchema } from '../pack/manifest.ts';
import { EMOJI_PACK_DIR, fileFetchBytes, readDiffusionManifest, readManifest, recordMetrics, writeManifest } from '../pack/write.ts';
import { type Checkpoint, loadCheckpoint, saveCheckpoint } from './checkpoint.ts';
import { parseTrainArgs } from './cli.ts';
import { exportGanEncoder } from './gan-encoder-export.ts';
import { exportGanPack, HALF_CHECK } from './gan-export.ts';
import { exportOnly, train } from './gan.train.ts';
import { trainOptionsSchema } from './options.ts';

const root = mkdtempSync(join(tmpdir(), 'gan-export-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const ckptDir = join(root, 'ckpt', 'gan');
let ckpt: Checkpoint;

beforeAll(async () => {
  await train({ ...trainOptionsSchema.parse({ checkpoints: join(root, 'ckpt'), out: join(root, 'unused'), smoke: true, steps: 2, noExport: true }), log: () => {} });
  ckpt = loadCheckpoint(ckptDir);
}, 120_000);

/** A small encoder for the smoke generator, written into `dir` as the encoder's own export writes it. */
async function writeEncoder(dir: string, seed = 1) {
  const config = encoderConfigFor(ganConfigSchema.parse(ckpt.state.settings.config), { channels: [8, 8, 8], groups: 4, squeeze: [4, 4, 2], hidden: 16 });
  const p = new Params(new GraphBuilder('enc'), { seed });
  new GanEncoder(p, ENCODER_PREFIX, config);
  const recipe = { steps: 1, batch: 2, lr: 1e-3, optimizer: 'Adam', wallTimeSeconds: 1, threads: 1, data: 'none', seed };
  return ganEncoderEntrySchema.parse(await exportGanEncoder({ dir, config, weights: p.initial(), recipe }));
}

const gan = (dir: string) => {
  const m = readManifest(dir);
  if (m?.family !== 'stylegan') throw new Error(`${dir} holds no GAN pack`);
  return m;
};

describe('exportGanPack', () => {
  it('writes the EMA generator, a copy of the evaluator and the recipe, and loadGanPack reads them back', async () => {
    const dir = join(root, 'pack');
    const e = await exportGanPack({ checkpointDir: ckptDir, dir, threads: 1 });
    expect(existsSync(join(root, 'unused'))).toBe(false);
    const settings = ckpt.state.settings as { classes: string[]; images: number; config: Parameters<typeof ganLoraLayers>[0] };
    const pack = await loadGanPack(fileFetchBytes(dir));
    expect(pack.classes).toEqual(settings.classes);
    expect(pack.config).toEqual(settings.config);
    expect(pack.manifest.lora[0].layers).toEqual(ganLoraLayers(settings.config));
    // The shipped weights are the EMA's (not the raw parameters), rounded as the dtype stores them.
    const store = (v: Float32Array) => (e.generator.dtype === 'float16' ? (toFloat32(toFloat16(f32([v.length], v))).data as Float32Array) : v);
    for (const name of ['g.mapping.w_avg', 'g.synthesis.b4.conv1.conv.weight']) {
      const ema = ckpt.optimizer[`ema/${name}`].data as Float32Array;
      expect(pack.generator[name].data, name).toEqual(store(ema));
    }
    expect(ckpt.optimizer['ema/g.mapping.w_avg'].data).not.toEqual(ckpt.params['g.mapping.w_avg'].data);
    // The evaluator is the diffusion pack's, byte for byte, with its entry.
    const source = readDiffusionManifest(EMOJI_PACK_DIR)!.components.evaluator!;
    expect(pack.manifest.components.evaluator).toEqual(source);
    expect(pack.tokenizer).toEqual(readDiffusionManifest(EMOJI_PACK_DIR)!.tokenizer);
    expect(readFileSync(join(dir, 'evaluator.safetensors')).equals(readFileSync(join(EMOJI_PACK_DIR, source.weights)))).toBe(true);
    const recipe = pack.manifest.components.generator.recipe!;
    expect(recipe).toMatchObject({ steps: 2, batch: 4, threads: 1, seed: 0 });
    expect(recipe.optimizer).toMatch(/^Adam β 0\/0\.99, lazy R1 γ 0\.2 every 16 iterations, EMA half-life 5,000 images, DiffAugment colour\/translation\/cutout$/);
    expect(recipe.data).toContain(`${settings.images} images, conditioned on ${settings.classes.length} Unicode sub-categories`);
    expect(recipe.notes).toMatch(new RegExp(`stored ${e.generator.dtype} \\(float16 rounding moves ${HALF_CHECK.samples} fixed samples by at most [0-9.]+ of an 8-bit level\\)`));
    expect(e.packBytes).toBeLessThan(15e6);
  }, 60_000);

  it('keeps metrics and the encoder for the same weights, drops both for new ones', async () => {
    const dir = join(root, 'reexport');
    await exportGanPack({ checkpointDir: ckptDir, dir, threads: 1 });
    recordMetrics(dir, 'generator', { fid: 12.5 });
    const m = gan(dir);
    m.components.encoder = await writeEncoder(dir);
    writeManifest(dir, m);

    await exportGanPack({ checkpointDir: ckptDir, dir, threads: 1 });
    expect(gan(dir).components.generator.metrics).toEqual({ fid: 12.5 });
    expect(gan(dir).components.encoder).toEqual(m.components.encoder);

    // Other weights: a checkpoint whose EMA moved.
    const moved = join(root, 'moved', 'gan');
    const w = ckpt.optimizer['ema/g.synthesis.b4.torgb.bias'];
    saveCheckpoint(moved, { ...ckpt, optimizer: { ...ckpt.optimizer, 'ema/g.synthesis.b4.torgb.bias': f32(w.shape, (w.data as Float32Array).map((v) => v + 0.5)) } });
    await exportGanPack({ checkpointDir: moved, dir, threads: 1 });
    expect(gan(dir).components.generator.metrics).toBeUndefined();
    expect(gan(dir).components.encoder).toBeUndefined();
    expect(existsSync(join(dir, 'encoder.safetensors'))).toBe(false);
  }, 60_000);

  it('adds the encoder run’s encoder when it was trained against this generator and its file is in the pack', async () => {
    const dir = join(root, 'with-encoder');
    const first = await exportGanPack({ checkpointDir: ckptDir, dir, threads: 1 });
    const run = join(root, 'encoder-run');
    mkdirSync(run);
    const entry = await writeEncoder(dir);
    writeFileSync(join(run, 'encoder-entry.json'), JSON.stringify(entry));
    const state = (fingerprint: string) => writeFileSync(join(run, 'state.json'), JSON.stringify({ ...ckpt.state, model: 'gan-encoder', settings: { gan: { fingerprint } } }));

    state('f'.repeat(64));
    const other = await exportGanPack({ checkpointDir: ckptDir, dir, threads: 1, encoderRun: run });
    expect(other.notes.join()).toMatch(/trained against another generator/);
    expect(gan(dir).components.encoder).toBeUndefined();

    state(first.generator.sha256);
    const added = await exportGanPack({ checkpointDir: ckptDir, dir, threads: 1, encoderRun: run });
    expect(added.notes).toEqual([`added the encoder from ${run}`]);
    expect(gan(dir).components.encoder).toEqual(entry);
    const { kind: _, ...config } = entry.architecture;
    const loaded = await loadGanPack(fileFetchBytes(dir));
    expect(loaded.encoder?.config).toEqual(config);
    expect(Object.keys(loaded.encoder!.weights).every((n) => n.startsWith(`${ENCODER_PREFIX}.`))).toBe(true);

    await writeEncoder(dir, 2); // another encoder's file under the same name

    const replaced = await exportGanPack({ checkpointDir: ckptDir, dir, threads: 1, encoderRun: run });
    expect(replaced.notes.join()).toMatch(/encoder\.safetensors is not the file .* describes/);
  }, 60_000);

  it('refuses a folder holding a diffusion pack and a checkpoint of another model, touching nothing', async () => {
    const dir = join(root, 'diffusion');
    mkdirSync(dir);
    copyFileSync(join(EMOJI_PACK_DIR, 'manifest.json'), join(dir, 'manifest.json'));
    const err = await exportGanPack({ checkpointDir: ckptDir, dir, threads: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PackError);
    expect((err as Error).message).toMatch(/exporting the GAN pack into .* needs a GAN \(stylegan\) pack; "emoji-diffusion" is a diffusion \(latent-diffusion\) pack/);
    expect(existsSync(join(dir, 'generator.safetensors'))).toBe(false);

    const vae = join(root, 'vae-ckpt');
    saveCheckpoint(vae, { ...ckpt, state: { ...ckpt.state, model: 'vae' } });
    await expect(exportGanPack({ checkpointDir: vae, dir: join(root, 'x'), threads: 1 })).rejects.toThrow(/is of model "vae", not gan/);
  }, 60_000);
});

describe('npm run train -- gan', () => {
  it('exports into the GAN pack by default, and --export-only writes it from the checkpoint alone', async () => {
    expect(parseTrainArgs(['gan'])!.options.out).toMatch(/public\/models\/emoji-gan$/);
    expect(parseTrainArgs(['gan', '--smoke'])!.options.out).toMatch(/smoke-gan-pack$/);
    expect(parseTrainArgs(['vae'])!.options.out).toMatch(/public\/models\/emoji-diffusion$/);
    expect(parseTrainArgs(['gan', '--export-only'])!.options.exportOnly).toBe(true);
    expect(() => parseTrainArgs(['gan', '--export-only', '--no-export'])).toThrow(/contradict/);
    const out = join(root, 'export-only');
    const r = await exportOnly({ ...trainOptionsSchema.parse({ checkpoints: join(root, 'ckpt'), out, exportOnly: true }), log: () => {} });
    expect(r).toMatchObject({ step: 2, totalSteps: 2, interrupted: false });
    expect(r.exported?.sha256).toBe(gan(out).components.generator.sha256);
  }, 60_000);
});
