// Where a new node goes when the person did not point at a place (a click in the library, Tab):
// the requested point if it is clear, else the nearest clear place on a grid around it, so a new
// node never lands on top of another. Pure.
type Point = { x: number; y: number };
type Rect = Point & { width: number; height: number };

/** The space kept between a new node and its neighbours. */
const GAP = 24;

const overlaps = (a: Rect, b: Rect) => a.x < b.x + b.width + GAP && b.x < a.x + a.width + GAP && a.y < b.y + b.height + GAP && b.y < a.y + a.height + GAP;

export function freeSpot(taken: readonly Rect[], at: Point, size: { width: number; height: number }, step = 40, rings = 40): Point {
  const clear = (p: Point) => !taken.some((r) => overlaps({ ...p, ...size }, r));
  if (clear(at)) return at;
  // Rings of growing distance; in each, the candidates nearest the point first.
  for (let k = 1; k <= rings; k++) {
    const ring: Point[] = [];
    for (let i = -k; i <= k; i++)
      for (let j = -k; j <= k; j++) if (Math.max(Math.abs(i), Math.abs(j)) === k) ring.push({ x: at.x + i * step, y: at.y + j * step });
    ring.sort((a, b) => Math.hypot(a.x - at.x, a.y - at.y) - Math.hypot(b.x - at.x, b.y - at.y));
    const hit = ring.find(clear);
    if (hit) return hit;
  }
  return at;
}
