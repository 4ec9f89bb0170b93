// After a reload: each node's last result, read back from where it was kept, when it was made
// under the node's current content key (so it is exactly the graph's result, not an older one).
import type { GraphDoc, Registry } from '../../runtime/index.ts';
import type { ResultStore } from '../files/result-store.ts';
import { withResult } from './exec-state.ts';
import type { ExecStore } from './exec-store.ts';
import { contentKeys } from './stale.ts';

export async function restoreResults(exec: ExecStore, doc: GraphDoc, registry: Registry, store: ResultStore): Promise<number> {
  const keys = [...contentKeys(doc, registry)].filter((e): e is [string, string] => !!e[1]);
  const found = await store.load([...new Set(keys.map(([, k]) => k))]);
  let s = exec.getState();
  let restored = 0;
  for (const [id, key] of keys) {
    const previews = found.get(key);
    if (!previews || s.results[id]) continue;
    s = withResult(s, id, previews, key);
    restored++;
  }
  exec.setState(s);
  return restored;
}
