// A fuzzing campaign: crafted cases and seeded mutations per surface, each run in the child
// under its limits, tallied per surface. Every input with a bad outcome is kept under
// test/fuzz/regressions/<surface>/ so that the test suite runs it again from then on.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { craftedFor } from './crafted.ts';
import { generateInput } from './generate.ts';
import { BAD, FuzzChild, type Outcome, type Result } from './harness.ts';
import { seedsFor } from './seeds.ts';
import { EXTENSION, SURFACES, type Surface } from './surfaces.ts';

export const REGRESSIONS = fileURLToPath(new URL('./regressions/', import.meta.url));

export type Tally = Record<Outcome | 'tried', number>;
const emptyTally = (): Tally => ({ tried: 0, refused: 0, accepted: 0, crash: 0, hang: 0, oom: 0, internal: 0, escape: 0 });

export interface Failure {
  surface: Surface;
  input: Uint8Array;
  result: Result;
  /** Where the input was kept, when it was. */
  file?: string;
}

export interface CampaignOptions {
  seed: number;
  surfaces?: readonly Surface[];
  /** Mutated inputs per surface (round-robin), unless the deadline comes first. */
  perSurface?: number;
  /** performance.now() at which to stop. */
  deadline?: number;
  crafted?: boolean;
  regressions?: boolean;
  /** Keep failing inputs as regression files (the long campaign does; the test run does not write). */
  keep?: boolean;
  onProgress?(tallies: Record<Surface, Tally>): void;
}

export function regressionFiles(surface: Surface): { file: string; bytes: Uint8Array }[] {
  const dir = join(REGRESSIONS, surface);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => !f.startsWith('.'))
    .sort()
    .map((f) => ({ file: join(dir, f), bytes: new Uint8Array(readFileSync(join(dir, f))) }));
}

function keepInput(surface: Surface, input: Uint8Array): string {
  const dir = join(REGRESSIONS, surface);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${createHash('sha256').update(input).digest('hex').slice(0, 16)}.${EXTENSION[surface]}`);
  if (!existsSync(file)) writeFileSync(file, input);
  return file;
}

export async function runCampaign(opts: CampaignOptions): Promise<{ tallies: Record<Surface, Tally>; failures: Failure[] }> {
  const surfaces = opts.surfaces ?? SURFACES;
  const tallies = Object.fromEntries(surfaces.map((s) => [s, emptyTally()])) as Record<Surface, Tally>;
  const failures: Failure[] = [];
  const child = new FuzzChild();
  const seeds = new Map<Surface, Uint8Array[]>();
  for (const s of surfaces) seeds.set(s, await seedsFor(s));
  const timeLeft = () => opts.deadline === undefined || performance.now() < opts.deadline;

  const one = async (surface: Surface, input: Uint8Array) => {
    const result = await child.run(surface, input);
    const t = tallies[surface];
    t.tried++;
    t[result.outcome]++;
    if (BAD.includes(result.outcome)) failures.push({ surface, input, result, file: opts.keep ? keepInput(surface, input) : undefined });
  };

  try {
    for (const s of surfaces) {
      if (opts.regressions) for (const r of regressionFiles(s)) await one(s, r.bytes);
      if (opts.crafted) for (const c of craftedFor(s, s === 'manifest' || s === 'gan-manifest' || s === 'ar-manifest' ? seeds.get(s)![0] : undefined)) await one(s, c);
    }
    const per = opts.perSurface ?? Infinity;
    for (let i = 0; i < per && timeLeft(); i++) {
      for (const s of surfaces) {
        if (!timeLeft()) break;
        await one(s, generateInput(s, seeds.get(s)!, opts.seed, i));
      }
      if (i % 50 === 49) opts.onProgress?.(tallies);
    }
  } finally {
    await child.dispose();
  }
  return { tallies, failures };
}

const COLUMNS: (Outcome | 'tried')[] = ['tried', 'refused', 'accepted', 'crash', 'hang', 'oom', 'internal', 'escape'];
const HEADINGS = ['inputs tried', 'refused with a message', 'accepted', 'crashes', 'hangs', 'out of memory', 'internal-looking messages', 'writes outside their place'];

/** The per-surface table, as Markdown. */
export function formatTable(tallies: Record<string, Tally>): string {
  const rows = Object.entries(tallies);
  const total = emptyTally();
  for (const [, t] of rows) for (const c of COLUMNS) total[c] += t[c];
  const line = (cells: (string | number)[]) => `| ${cells.map((c) => (typeof c === 'number' ? c.toLocaleString('en-US') : c)).join(' | ')} |`;
  return [
    line(['surface', ...HEADINGS]),
    `| --- |${COLUMNS.map(() => ' ---: |').join('')}`,
    ...rows.map(([s, t]) => line([s, ...COLUMNS.map((c) => t[c])])),
    line(['**all**', ...COLUMNS.map((c) => total[c])]),
  ].join('\n');
}
