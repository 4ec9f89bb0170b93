import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { declareNode, implementNode } from './define-node.ts';
import { port } from './ports.ts';
import { createRegistry, implementRegistry } from './registry.ts';

const spec = (type: string) => declareNode({ type, version: 1, title: type, category: 'test', inputs: {}, outputs: { n: port.scalar() }, params: z.object({}) });
const run = async () => ({ n: { kind: 'scalar' as const, value: 1 } });

describe('implementRegistry', () => {
  it('pairs every declaration with its run code, in the declarations’ order', async () => {
    const [a, b] = [spec('a'), spec('b')];
    const reg = implementRegistry(createRegistry([a, b]), [implementNode(b, run), implementNode(a, run)]);
    expect(reg.list().map((d) => d.type)).toEqual(['a', 'b']);
    expect(await reg.get('a')!.run({} as never)).toEqual({ n: { kind: 'scalar', value: 1 } });
  });

  it('refuses a declaration without run code, run code without a declaration, and run code made from another declaration', () => {
    const a = spec('a');
    expect(() => implementRegistry(createRegistry([a, spec('b')]), [implementNode(a, run)])).toThrow('node type b is declared but has no run code');
    expect(() => implementRegistry(createRegistry([a]), [implementNode(a, run), implementNode(spec('c'), run)])).toThrow('node type c has run code but no declaration');
    expect(() => implementRegistry(createRegistry([a]), [implementNode(spec('a'), run)])).toThrow('its run code was made from another declaration');
  });
});
