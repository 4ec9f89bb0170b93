// The examples gallery: every JSON file in graphs/, bundled at build time, each parsed like any
// graph file so a broken example shows up in tests rather than in front of a learner.
import { parseGraphJson, type GraphDoc } from '../../runtime/index.ts';

export interface Example {
  id: string;
  title: string;
  description: string;
  /** URL of a small picture of the example's result (`npm run thumbnails` makes them). */
  thumbnail?: string;
  doc: GraphDoc;
}

const files = import.meta.glob<unknown>('../../graphs/*.json', { eager: true, import: 'default' });
const thumbnails = import.meta.glob<string>('../../graphs/thumbnails/*.png', { eager: true, query: '?url', import: 'default' });

export const DEFAULT_EXAMPLE = 'emoji-blend';

export const examples: Example[] = Object.entries(files)
  .flatMap(([path, json]) => {
    const r = parseGraphJson(json);
    if (!r.ok) return [];
    const id = path.replace(/^.*\/|\.json$/g, '');
    const description = (r.doc as { description?: unknown }).description;
    const thumbnail = thumbnails[`../../graphs/thumbnails/${id}.png`];
    return [{ id, title: r.doc.title ?? id, description: typeof description === 'string' ? description : '', thumbnail, doc: r.doc }];
  })
  .sort((a, b) => Number(b.id === DEFAULT_EXAMPLE) - Number(a.id === DEFAULT_EXAMPLE) || a.title.localeCompare(b.title));

export const defaultExample = (): GraphDoc => examples.find((e) => e.id === DEFAULT_EXAMPLE)?.doc ?? { version: 2, nodes: [], edges: [] };
