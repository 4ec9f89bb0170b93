// Smoke test of the denoiser's training (`--smoke`: a tiny text encoder + UNet on synthetic
// latents) into a temporary folder. The loss falls, an interrupted run resumes from its checkpoint
// (EMA included), and the exported pack loads back with the architectures' tensor specs.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configFromArchitectures, TEXT_ENCODER_KIND, textEncoderWeightShapes, UNET_KIND, unetWeightShapes } from '../diffusion/architecture.ts';
import { loadPack } from '../pack/load.ts';
import { train } from './denoiser.train.ts';
import { trainOptionsSchema } from './options.ts';

const dir = mkdtempSync(join(tmpdir(), 'denoiser-train-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base = trainOptionsSchema.parse({ smoke: true, checkpoints: join(dir, 'ckpt'), out: join(dir, 'pack') });

describe('denoiser training (smoke)', () => {
  it('lowers the loss, resumes after an interruption and exports a loadable pack', async () => {
    // First segment: aborted once step 25 is reported, leaving a checkpoint.
    const stop = new AbortController();
    const first = await train({ ...base, signal: stop.signal, log: (l) => /step (2[5-9]|[3-9]\d)\//.test(l) && stop.abort() });
    expect(first.interrupted).toBe(true);
    expect(first.step).toBeGreaterThanOrEqual(25);
    expect(first.step).toBeLessThan(first.totalSteps);
    const lines: string[] = [];
    const second = await train({ ...base, resume: true, log: (l) => lines.push(l) });
    // The intermediate export happens at the run's step 40, though this segment started at ≥ 25.
    expect(lines).toContain(`[denoiser] exported the EMA weights of step 40 to ${base.out}`);
    expect(second.interrupted).toBe(false);
    expect(second.step).toBe(second.totalSteps);
    expect(second.exported?.weights).toBe('unet.safetensors');

    const rows = readFileSync(join(dir, 'ckpt', 'denoiser', 'loss.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: number; loss?: number; probeLoss?: number });
    const losses = rows.filter((r) => r.loss !== undefined);
    // Every step logged exactly once over both segments: the resumed run continued.
    expect(losses.map((r) => r.step)).toEqual(Array.from({ length: second.totalSteps }, (_, i) => i + 1));
    const mean = (xs: typeof losses) => xs.reduce((s, r) => s + r.loss!, 0) / xs.length;
    expect(mean(losses.slice(-10))).toBeLessThan(0.7 * mean(losses.slice(0, 10)));
    const probes = rows.filter((r) => r.probeLoss !== undefined);
    expect(probes.at(-1)!.probeLoss!).toBeLessThan(probes[0].probeLoss!);

    const pack = await loadPack(async (f) => new Uint8Array(readFileSync(join(dir, 'pack', f))), {
      architectures: { [TEXT_ENCODER_KIND]: textEncoderWeightShapes, [UNET_KIND]: unetWeightShapes },
      components: ['textEncoder', 'unet'],
    });
    const unet = pack.manifest.components.unet!;
    expect(unet.recipe!.steps).toBe(second.totalSteps);
    // The smoke run trains the default recipe's prediction type, stored as float16 and said so.
    expect(unet.architecture.prediction).toBe('v');
    expect(unet.dtype).toBe('float16');
    expect(pack.manifest.components.textEncoder!.dtype).toBe('float16');
    expect(configFromArchitectures(pack.manifest.components.textEncoder!.architecture, unet.architecture).unet.schedule.kind).toBe('scaled-linear');
    expect(pack.manifest.lora.map((t) => t.kind).sort()).toEqual(['attention', 'conv']);
    expect(Object.keys(pack.weights.textEncoder!)).toContain('text.token_embedding.weight');
    expect(pack.manifest.tokenizer.vocab).toContain('colour');
  }, 120_000);
});
