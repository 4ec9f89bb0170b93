// Prompt → latents through real sessions on a tiny untrained model: a seed fixes the result, the
// guidance scale changes it, and the prompt matters once guidance amplifies it.
import { describe, expect, it } from 'vitest';
import { backend } from '../../ml/nn/testing.ts';
import { generateLatents } from './generate.ts';
import { diffusionConfigSchema, trainingGraph } from './graphs.ts';
import { TextToImage } from './pipeline.ts';
import { noiseSchedule } from './schedule.ts';

const config = diffusionConfigSchema.parse({
  text: { vocabSize: 10, maxLength: 4, dim: 16, layers: 1, heads: 2 },
  unet: { channels: [8, 16], attention: [false, true], groups: 4, contextDim: 16, heads: 2, latentSize: 8 },
});

describe('generateLatents', () => {
  it('is a function of the seed, the guidance scale and the prompt', async () => {
    const { p } = trainingGraph(config, 1, { seed: 5 });
    const w = p.initial();
    const pick = (prefix: string) => Object.fromEntries(Object.entries(w).filter(([k]) => k.startsWith(prefix)));
    const pipe = new TextToImage(config, { text: pick('text.'), unet: pick('unet.') }, { backend });
    const schedule = noiseSchedule();
    const base = { schedule, ids: [[1, 5, 2, 0], [1, 6, 2, 0]], negativeIds: [[1, 2, 0, 0]], steps: 3, seed: 1, guidance: 5 };
    try {
      const a = await generateLatents(pipe, base);
      expect(a.length).toBe(2 * 4 * 8 * 8);
      expect(a.every(Number.isFinite)).toBe(true);
      expect(Array.from(await generateLatents(pipe, base))).toEqual(Array.from(a));
      const differs = (x: Float32Array, y: Float32Array) => x.some((v, i) => Math.abs(v - y[i]) > 1e-4);
      expect(differs(await generateLatents(pipe, { ...base, seed: 2 }), a)).toBe(true);
      expect(differs(await generateLatents(pipe, { ...base, guidance: 1 }), a)).toBe(true);
      expect(differs(await generateLatents(pipe, { ...base, ids: [[1, 7, 2, 0], [1, 6, 2, 0]] }), a)).toBe(true);
    } finally {
      await pipe.release();
    }
  });
});
