// Every example opens and is valid against the real registry, so it runs as it is.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { registry } from '../../nodes/registry.ts';
import { validateGraph } from '../../runtime/index.ts';
import { defaultExample, examples } from './examples.ts';

describe('examples in graphs/', () => {
  it('are all bundled, each with a title and a description', () => {
    const files = readdirSync(new URL('../../graphs/', import.meta.url)).filter((f) => f.endsWith('.json'));
    expect(examples.map((e) => `${e.id}.json`).sort()).toEqual(files.sort());
    for (const e of examples) {
      expect(e.title.length).toBeGreaterThan(0);
      expect(e.description.length).toBeGreaterThan(20);
      expect(e.thumbnail, `${e.id} has a thumbnail (npm run thumbnails -- ${e.id})`).toBeTruthy();
    }
  });

  it.each(examples.map((e) => [e.id, e] as const))('%s is a valid graph', (_, e) => {
    expect(validateGraph(e.doc, registry)).toEqual([]);
  });

  it('opens the emoji blend by default', () => {
    expect(defaultExample().title).toBe('Emoji blend');
  });
});
