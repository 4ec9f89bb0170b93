import { describe, expect, it } from 'vitest';
import { parseGraphArgs, UsageError } from './args.ts';
import { parseWorkerArgs } from './worker-cli.ts';

describe('queue arguments', () => {
  it('graph: --queue needs --store and a redis URL; --node-timeout is seconds', () => {
    expect(parseGraphArgs(['g.json', '--queue', 'redis://h:6379', '--store', 's', '--node-timeout', '1.5'])).toMatchObject({
      args: { queue: 'redis://h:6379', store: 's', nodeTimeoutMs: 1500 },
    });
    expect(() => parseGraphArgs(['g.json', '--queue', 'redis://h'])).toThrow(/needs --store/);
    expect(() => parseGraphArgs(['g.json', '--store', 's'])).toThrow(/goes with --queue/);
    expect(() => parseGraphArgs(['g.json', '--queue', 'h:6379', '--store', 's'])).toThrow(/redis:\/\/ URL/);
    expect(() => parseGraphArgs(['g.json', '--queue', 'redis://h', '--store', 's', '--node-timeout', '0'])).toThrow(UsageError);
  });

  it('worker: --redis and --store are required; numbers are checked and named', () => {
    expect(parseWorkerArgs(['--redis', 'redis://h', '--store', 'st', '--concurrency', '3'], '/w')).toMatchObject({
      args: { redis: 'redis://h', store: '/w/st', concurrency: 3, lockMs: 30_000, baseDir: '/w' },
    });
    expect(() => parseWorkerArgs(['--store', 'st'], '/w')).toThrow(/--redis <url> is required/);
    expect(() => parseWorkerArgs(['--redis', 'redis://h'], '/w')).toThrow(/--store <dir> is required/);
    expect(() => parseWorkerArgs(['--redis', 'redis://h', '--store', 's', '--concurrency', '0'], '/w')).toThrow(/--concurrency takes 1 to 64/);
  });
});
