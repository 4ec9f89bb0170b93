import { craftedFor } from './crafted.ts';
import { FuzzChild } from './harness.ts';
import { seedsFor } from './seeds.ts';
import { SURFACES } from './surfaces.ts';
const only = process.argv[2];
const child = new FuzzChild();
for (const s of SURFACES) {
  if (only && s !== only) continue;
  let t = performance.now();
  const seeds = await seedsFor(s);
  console.log(s, 'seeds', (performance.now() - t).toFixed(0));
  t = performance.now();
  const cases = craftedFor(s, s === 'manifest' ? seeds[0] : undefined);
  console.log(s, 'crafted', cases.length, (performance.now() - t).toFixed(0));
  for (const [i, c] of cases.entries()) {
    const r = await child.run(s, c);
    console.log(' ', s, i, r.outcome, r.ms.toFixed(0), r.message?.slice(0, 300));
  }
}
await child.dispose();
