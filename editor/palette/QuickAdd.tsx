// The keyboard palette: opens where the user double-clicked or dropped a dangling wire, searches
// as they type, arrows move, Enter adds (and wires), Escape closes.
import { useMemo, useState } from 'react';
import { categoryColour, PORT_STYLE } from '../catalog/theme.ts';
import { useUi, useWorkbench } from '../workbench.ts';

export function QuickAdd() {
  const wb = useWorkbench();
  const palette = useUi((s) => s.palette);
  if (!palette) return null;
  return <Palette key={`${palette.screen.x},${palette.screen.y}`} />;
}

function Palette() {
  const wb = useWorkbench();
  const palette = useUi((s) => s.palette)!;
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const wire = palette.wire;
  const hits = useMemo(() => wb.search(query, wire && { kind: wire.kind, side: wire.side }), [wb, query, wire]);
  const close = () => wb.ui.setState({ palette: undefined });
  const choose = (i: number) => {
    const hit = hits[i];
    if (!hit) return;
    close();
    // Opened by a double-click or a dropped wire, it adds where the person pointed; opened with
    // Tab, it adds near the middle of the view, where no other node is.
    if (palette.free) wb.actions.addNodeNear(hit.info.type, palette.flow);
    else wb.actions.addNode(hit.info.type, palette.flow, wire);
  };
  const onKey = (e: React.KeyboardEvent) => {
    if (e.key === 'ArrowDown') setActive((a) => Math.min(hits.length - 1, a + 1));
    else if (e.key === 'ArrowUp') setActive((a) => Math.max(0, a - 1));
    else if (e.key === 'Enter') choose(active);
    else if (e.key === 'Escape') close();
    else return;
    e.preventDefault();
    e.stopPropagation();
  };
  const left = Math.min(palette.screen.x, window.innerWidth - 340);
  const top = Math.min(palette.screen.y, window.innerHeight - 380);
  return (
    <>
      <div className="palette-backdrop" onMouseDown={close} />
      <div className="palette" style={{ left, top }} data-testid="palette" role="dialog" aria-label="Add a node">
        <input
          autoFocus
          placeholder={wire ? `Nodes that take ${wire.kind}…` : 'Search nodes…'}
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setActive(0);
          }}
          onKeyDown={onKey}
          data-testid="palette-search"
        />
        {wire && (
          <div className="palette-filter">
            wire: <span style={{ color: PORT_STYLE[wire.kind as keyof typeof PORT_STYLE]?.colour }}>{wire.kind}</span>
          </div>
        )}
        <ul role="listbox">
          {hits.map((h, i) => (
            <li
              key={h.info.type}
              role="option"
              aria-selected={i === active}
              className={i === active ? 'active' : ''}
              onMouseEnter={() => setActive(i)}
              onMouseDown={(e) => {
                e.preventDefault();
                choose(i);
              }}
              data-testid={`palette-item-${h.info.type}`}
            >
              <span className="dot" style={{ background: categoryColour(h.info.category) }} />
              <span className="palette-title">{h.info.title}</span>
              <span className="palette-cat">{h.port ? `→ ${h.port}` : h.info.category}</span>
            </li>
          ))}
          {!hits.length && <li className="muted">No node matches{wire ? ` and takes ${wire.kind}` : ''}.</li>}
        </ul>
      </div>
    </>
  );
}
