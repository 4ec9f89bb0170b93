import { describe, expect, it } from 'vitest';
import { Rng } from '../../ml/index.ts';
import { mean, psnrPerImage, ssimPerImage } from './image-metrics.ts';

const noisy = (x: Float32Array, sigma: number, rng: Rng) => x.map((v) => v + sigma * rng.normal());

describe('image metrics', () => {
  const rng = new Rng(3);
  const shape = [2, 3, 16, 16];
  const img = new Float32Array(2 * 3 * 256).map(() => rng.next() * 1.6 - 0.8);

  it('PSNR matches the closed form and orders noise levels', () => {
    const b = img.map((v) => v + 0.2); // +0.1 in [0, 1]: MSE 0.01 → 20 dB
    psnrPerImage(img, b, 2).forEach((p) => expect(p).toBeCloseTo(20, 6));
    expect(psnrPerImage(img, img, 2)[0]).toBe(Infinity);
    expect(mean(psnrPerImage(img, noisy(img, 0.05, rng), 2))).toBeGreaterThan(mean(psnrPerImage(img, noisy(img, 0.2, rng), 2)));
  });

  it('SSIM is 1 for identical images, lower with noise, and ignores nothing structural', () => {
    ssimPerImage(img, img, shape).forEach((s) => expect(s).toBeCloseTo(1, 10));
    const light = mean(ssimPerImage(img, noisy(img, 0.05, rng), shape));
    const heavy = mean(ssimPerImage(img, noisy(img, 0.3, rng), shape));
    expect(light).toBeLessThan(1);
    expect(heavy).toBeLessThan(light);
    // A constant image against a textured one shares no structure.
    expect(mean(ssimPerImage(img, new Float32Array(img.length), shape))).toBeLessThan(0.1);
  });
});
