// Whether the minimap may show: only when part of the graph is out of view (otherwise there is
// nothing to navigate to) and no node on screen lies under its corner, so it never covers one.
// Pure: node boxes in flow coordinates, the viewport and the canvas size in.

type Box = { x: number; y: number; width: number; height: number };

/** The minimap's box in the canvas's bottom-right corner (app.css `.react-flow__minimap`). */
export const MINIMAP = { width: 168, height: 120, margin: 12 };

export function minimapHasRoom(nodes: readonly Box[], viewport: { x: number; y: number; zoom: number }, canvas: { width: number; height: number }): boolean {
  if (!nodes.length) return false;
  const screen = nodes.map((n) => ({ x: n.x * viewport.zoom + viewport.x, y: n.y * viewport.zoom + viewport.y, width: n.width * viewport.zoom, height: n.height * viewport.zoom }));
  const inView = (b: Box) => b.x >= 0 && b.y >= 0 && b.x + b.width <= canvas.width && b.y + b.height <= canvas.height;
  if (screen.every(inView)) return false;
  const map = { x: canvas.width - MINIMAP.margin - MINIMAP.width, y: canvas.height - MINIMAP.margin - MINIMAP.height, width: MINIMAP.width, height: MINIMAP.height };
  return !screen.some((b) => b.x < map.x + map.width && map.x < b.x + b.width && b.y < map.y + map.height && map.y < b.y + b.height);
}
