import { describe, expect, it } from 'vitest';
import { f32 } from '../ml/index.ts';
import { GAN_METHODS, type GanMethod, type GanRow, ganChecks, withGanBlock, wDistance } from './personalize-gan.ts';

// Rows as the field reports them: PSNR rises W < encoder < W+ < PTI, time encoder < hybrid < W+,
// and the latent-only methods lose editability as they gain reconstruction.
const row = (psnr: number, secondsPerImage: number, editGain: number, editedDistance: number): GanRow => ({ psnr, ssim: 0, featureDistance: 0, secondsPerImage, parameters: 0, editGain, editedDistance });
const field = (): Record<GanMethod, GanRow> => ({
  'w-optimization': row(15.9, 3, 0.04, 1.5),
  'w+-optimization': row(20.6, 3, 0.02, 3),
  encoder: row(18, 0.05, 0.03, 2),
  restyle: row(18.5, 0.15, 0.03, 2.2),
  hybrid: row(19.5, 0.8, 0.025, 2.5),
  pti: row(24.6, 20, 0.035, 1.5),
});

describe('ganChecks', () => {
  it('holds every expected ordering on rows that follow the field', () => {
    const checks = ganChecks(field());
    expect(Object.keys(checks).length).toBe(12);
    expect(Object.entries(checks).filter(([, v]) => !v)).toEqual([]);
  });

  it('fails the orderings that rows break, and only those', () => {
    const r = field();
    r.pti.psnr = 19; // below W+ optimization
    r.hybrid.secondsPerImage = 5; // slower than W+ optimization
    r.pti.editGain = 0.01; // under half W optimization's
    const failed = Object.entries(ganChecks(r)).filter(([, v]) => !v).map(([k]) => k);
    expect(failed.sort()).toEqual(['psnrWPlusOptBelowPti', 'ptiKeepsWEditability', 'secondsHybridBelowWPlusOpt']);
  });

  it('leaves out the checks of methods that were not measured', () => {
    const r: Partial<Record<GanMethod, GanRow>> = field();
    for (const m of ['encoder', 'restyle', 'hybrid'] as const) delete r[m];
    const checks = ganChecks(r);
    expect(Object.keys(checks).sort()).toEqual(['editGainWOptAtLeastWPlusOpt', 'editWorksOnWOpt', 'editedWOptNearerMappedWThanWPlusOpt', 'psnrWPlusOptBelowPti', 'ptiKeepsWEditability']);
    expect(GAN_METHODS.length).toBe(6);
  });
});

describe('wDistance', () => {
  // Axis-aligned distribution in 2-D: variance 4 along x, 1 along y, centred at (1, 0).
  const dist = { mean: Float32Array.from([1, 0]), directions: Float32Array.from([1, 0, 0, 1]), variances: [4, 1] };

  it('is the Mahalanobis distance over √D, per W code', () => {
    const d = wDistance(dist, f32([2, 2], [3, 0, 1, 1]));
    expect(d[0]).toBeCloseTo(1 / Math.SQRT2, 6); // (3 − 1)/2 = 1σ
    expect(d[1]).toBeCloseTo(1 / Math.SQRT2, 6); // 1/1 = 1σ
  });

  it('averages a W+ code over its entries', () => {
    const [d] = wDistance(dist, f32([1, 2, 2], [1, 0, 1, 2]));
    expect(d).toBeCloseTo((0 + 2 / Math.SQRT2) / 2, 6);
  });

  it('refuses codes that are not made of w of the distribution', () => {
    expect(() => wDistance(dist, f32([1, 3], [0, 0, 0]))).toThrow(/not made of 2-dimensional w/);
  });
});

describe('withGanBlock', () => {
  const readme = ['# App', '', '### Personalization benchmark', '', '<!-- bench:personalize:start -->', 'diffusion', '<!-- bench:personalize:end -->', '', 'Reading it: …', '', '## Credits', ''].join('\n');

  it('adds the block under its heading after the diffusion section, then replaces it in place', () => {
    const once = withGanBlock(readme, 'table one');
    expect(once.indexOf('### GAN inversion benchmark')).toBeGreaterThan(once.indexOf('Reading it'));
    expect(once.indexOf('### GAN inversion benchmark')).toBeLessThan(once.indexOf('## Credits'));
    expect(once).toContain('<!-- bench:personalize:gan -->\ntable one\n<!-- /bench:personalize:gan -->');
    const twice = withGanBlock(once, 'table $& two');
    expect(twice).toContain('<!-- bench:personalize:gan -->\ntable $& two\n<!-- /bench:personalize:gan -->');
    expect(twice).not.toContain('table one');
    expect(twice.match(/### GAN inversion benchmark/g)).toHaveLength(1);
    expect(twice.replace(/\n### GAN inversion benchmark[\s\S]*?\/bench:personalize:gan -->\n\n/, '\n')).toBe(readme);
  });

  it('appends the section when the README has no diffusion block', () => {
    expect(withGanBlock('# App\n', 't')).toBe('# App\n\n### GAN inversion benchmark\n\n`npm run bench:personalize -- --family gan` (last results):\n\n<!-- bench:personalize:gan -->\nt\n<!-- /bench:personalize:gan -->\n');
  });
});
