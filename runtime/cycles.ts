// For every node that can reach itself, one simple loop through it, in time near-linear in the
// graph: strongly connected components first (Tarjan, with an explicit stack), then per component
// one breadth-first tree out of a root and one into it; a node's loop joins its path from the root
// with its path back. A search per node would take seconds on a tangle of thousands of edges.

/** nodeId → a loop that starts and ends at it, for every node on a cycle, in `ids` order. */
export function loopsThrough(ids: readonly string[], consumers: ReadonlyMap<string, ReadonlySet<string>>): Map<string, string[]> {
  const loops = new Map<string, string[]>();
  for (const comp of components(ids, consumers)) {
    const inComp = new Set(comp);
    const root = comp[0];
    const selfLoop = consumers.get(root)?.has(root);
    if (comp.length === 1) {
      if (selfLoop) loops.set(root, [root, root]);
      continue;
    }
    const producers = new Map<string, string[]>();
    for (const id of comp)
      for (const next of consumers.get(id) ?? [])
        if (inComp.has(next)) {
          const list = producers.get(next);
          if (list) list.push(id);
          else producers.set(next, [id]);
        }
    const from = bfs(root, (id) => [...(consumers.get(id) ?? [])].filter((n) => inComp.has(n))); // root → … → id
    const to = bfs(root, (id) => producers.get(id) ?? []); // id → … → root
    const pathFromRoot = (v: string) => {
      const p = [v];
      for (let at = v; at !== root; at = from.get(at)!) p.push(from.get(at)!);
      return p.reverse();
    };
    const pathToRoot = (v: string) => {
      const p = [v];
      for (let at = v; at !== root; at = to.get(at)!) p.push(to.get(at)!);
      return p;
    };
    for (const v of comp) {
      if (v === root && selfLoop) loops.set(v, [root, root]);
      else if (v === root) {
        // The nearest producer of the root inside the component closes the loop.
        const last = (producers.get(root) ?? []).reduce((best, u) => (depth(from, u, root) < depth(from, best, root) ? u : best));
        loops.set(v, [...pathFromRoot(last), root]);
      } else loops.set(v, loopVia(pathFromRoot(v), pathToRoot(v)));
    }
  }
  return loops;
}

/** A simple loop through v from a path root … v and a path v … root. */
function loopVia(there: string[], back: string[]): string[] {
  const onThere = new Map(there.map((id, i) => [id, i]));
  // The first node on the way back that is also on the way there closes a simple loop.
  let k = 1;
  while (!onThere.has(back[k])) k++;
  return [...back.slice(0, k), ...there.slice(onThere.get(back[k])!)];
}

function depth(parents: Map<string, string>, v: string, root: string): number {
  let d = 0;
  for (let at = v; at !== root; at = parents.get(at)!) d++;
  return d;
}

function bfs(root: string, next: (id: string) => Iterable<string>): Map<string, string> {
  const parent = new Map<string, string>([[root, root]]);
  const queue = [root];
  for (let head = 0; head < queue.length; head++) {
    const id = queue[head];
    for (const n of next(id))
      if (!parent.has(n)) {
        parent.set(n, id);
        queue.push(n);
      }
  }
  parent.delete(root);
  return parent;
}

/** Strongly connected components, each in `ids` order, iteratively (deep chains must not overflow). */
function components(ids: readonly string[], consumers: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  const order = new Map(ids.map((id, i) => [id, i]));
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  let counter = 0;
  for (const start of ids) {
    if (index.has(start)) continue;
    const work: { id: string; next: Iterator<string> }[] = [];
    const enter = (id: string) => {
      index.set(id, counter);
      low.set(id, counter++);
      stack.push(id);
      onStack.add(id);
      work.push({ id, next: (consumers.get(id) ?? new Set<string>()).values() });
    };
    enter(start);
    while (work.length) {
      const top = work[work.length - 1];
      const step = top.next.next();
      if (!step.done) {
        const n = step.value;
        if (!order.has(n)) continue;
        if (!index.has(n)) enter(n);
        else if (onStack.has(n)) low.set(top.id, Math.min(low.get(top.id)!, index.get(n)!));
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work[work.length - 1].id;
        low.set(parent, Math.min(low.get(parent)!, low.get(top.id)!));
      }
      if (low.get(top.id) === index.get(top.id)) {
        const comp: string[] = [];
        let id: string;
        do {
          id = stack.pop()!;
          onStack.delete(id);
          comp.push(id);
        } while (id !== top.id);
        out.push(comp.sort((a, b) => order.get(a)! - order.get(b)!));
      }
    }
  }
  return out;
}
