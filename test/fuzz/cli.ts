// `npm run fuzz -- --minutes N [--seed S] [--surface name]`: the long campaign. Prints the table
// per surface, keeps every failing input as a regression case under test/fuzz/regressions/, and
// exits 1 when anything bad was found.
import { parseArgs } from 'node:util';
import { formatTable, runCampaign } from './campaign.ts';
import { SURFACES, type Surface } from './surfaces.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '5' },
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
    surface: { type: 'string', multiple: true },
  },
});
const minutes = Number(values.minutes);
const seed = Number(values.seed);
const surfaces = (values.surface ?? [...SURFACES]) as Surface[];
const unknown = surfaces.filter((s) => !SURFACES.includes(s));
if (!(minutes > 0) || !Number.isInteger(seed) || unknown.length) {
  console.error(`usage: npm run fuzz -- --minutes <N> [--seed <integer>] [--surface ${SURFACES.join('|')}]`);
  process.exit(2);
}

console.log(`fuzzing ${surfaces.join(', ')} for ${minutes} min, seed ${seed} (rerun with --seed ${seed})`);
const started = performance.now();
let lastPrint = started;
const { tallies, failures } = await runCampaign({
  seed,
  surfaces,
  deadline: started + minutes * 60_000,
  crafted: true,
  regressions: true,
  keep: true,
  onProgress(t) {
    if (performance.now() - lastPrint < 30_000) return;
    lastPrint = performance.now();
    const tried = Object.values(t).reduce((n, x) => n + x.tried, 0);
    console.log(`  ${((performance.now() - started) / 60_000).toFixed(1)} min: ${tried} inputs`);
  },
});
console.log(`\n${formatTable(tallies)}\n`);
for (const f of failures) console.log(`${f.result.outcome.toUpperCase()} ${f.surface} ${f.file ?? ''}: ${f.result.message?.slice(0, 300) ?? ''}`);
console.log(`${failures.length} bad outcome(s) in ${((performance.now() - started) / 60_000).toFixed(1)} min`);
process.exitCode = failures.length ? 1 : 0;
