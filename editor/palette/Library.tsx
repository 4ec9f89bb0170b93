// The node library: every type the registry holds, by category, searchable; drag one onto the
// canvas or click to drop it in the middle of the view.
import { useReactFlow } from '@xyflow/react';
import { useMemo, useState } from 'react';
import { categoryColour } from '../catalog/theme.ts';
import { NODE_DRAG_TYPE } from '../canvas/Canvas.tsx';
import { useWorkbench } from '../workbench.ts';

export function Library() {
  const wb = useWorkbench();
  const rf = useReactFlow();
  const [query, setQuery] = useState('');
  const hits = useMemo(() => wb.search(query), [wb, query]);
  const byCategory = wb.catalog.categories.map((c) => [c, hits.filter((h) => h.info.category === c)] as const).filter(([, hs]) => hs.length);
  const addInView = (type: string) => {
    const r = document.querySelector('.canvas')?.getBoundingClientRect();
    const at = rf.screenToFlowPosition({ x: (r?.left ?? 0) + (r?.width ?? 800) / 2 - 120, y: (r?.top ?? 0) + (r?.height ?? 600) / 3 });
    wb.actions.addNodeNear(type, at);
  };
  return (
    <aside className="library" data-testid="library">
      <input
        className="search"
        placeholder="Search nodes (Enter adds the first)"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && hits[0]) {
            e.preventDefault();
            addInView(hits[0].info.type);
          } else if (e.key === 'Escape') setQuery('');
        }}
        data-testid="library-search"
      />
      {(query ? [['results', hits] as const] : byCategory).map(([category, items]) => (
        <section key={category}>
          <h3>{category}</h3>
          <ul>
            {items.map(({ info }) => (
              <li
                key={info.type}
                draggable
                onDragStart={(e) => {
                  e.dataTransfer.setData(NODE_DRAG_TYPE, info.type);
                  e.dataTransfer.effectAllowed = 'move';
                }}
                onClick={() => addInView(info.type)}
                title={info.description}
                data-testid={`library-item-${info.type}`}
              >
                <span className="dot" style={{ background: categoryColour(info.category) }} />
                {info.title}
              </li>
            ))}
          </ul>
        </section>
      ))}
    </aside>
  );
}
