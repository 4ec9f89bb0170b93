// The short fuzzing run of the test suite: every regression case ever kept, every crafted case,
// and a few seeded mutations per surface, each in the child under its limits. Any crash, hang,
// out-of-memory, internal-looking message or write outside the output folder fails the test.
// The long campaign is `npm run fuzz -- --minutes N`.
import { describe, expect, it } from 'vitest';
import { formatTable, runCampaign } from './campaign.ts';
import { looksInternal } from './harness.ts';
import { mutateJson } from './mutate.ts';
import { FuzzRng } from './rng.ts';

describe('fuzzing (short run)', () => {
  it('judges messages in the words of internals as internal', () => {
    expect(looksInternal("Cannot read properties of null (reading 'dims')")).toBe(true);
    expect(looksInternal('Invalid typed array length: 18446744056529682000')).toBe(true);
    expect(looksInternal('Offset is outside the bounds of the DataView')).toBe(true);
    expect(looksInternal('the image declares 16,000 × 16,000 pixels (limit imagePixels = 40,000,000)')).toBe(false);
  });

  it('mutates deterministically for a seed', () => {
    const doc = JSON.stringify({ version: 2, nodes: [{ id: 'a', type: 'blend', params: { alpha: 0.5 } }], edges: [] });
    const a = Array.from({ length: 20 }, (_, i) => mutateJson(new FuzzRng(i), doc));
    const b = Array.from({ length: 20 }, (_, i) => mutateJson(new FuzzRng(i), doc));
    expect(a).toEqual(b);
    expect(new Set(a).size).toBeGreaterThan(10);
  });

  it('has no bad outcome on the regression cases, the crafted cases and seeded mutations', async () => {
    const { tallies, failures } = await runCampaign({ seed: 20261202, perSurface: 6, crafted: true, regressions: true });
    const report = `${formatTable(tallies)}\n${failures.map((f) => `${f.result.outcome} ${f.surface}: ${f.result.message}`).join('\n')}`;
    expect(failures, report).toEqual([]);
    // Each surface saw inputs and refused some with a message: the harness is really running them.
    for (const t of Object.values(tallies)) {
      expect(t.tried).toBeGreaterThan(6);
      expect(t.refused).toBeGreaterThan(0);
    }
  }, 120_000);
});
