// A real Redis for tests and benchmarks: Debian's redis-server on a free loopback port, in a
// temporary folder, with the settings a queue needs (append-only file, no eviction). It can be
// killed with SIGKILL and started again on the same port and folder, to prove that nothing
// acknowledged is lost.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';

/** Whether the queue tests can run here; without redis-server they are skipped outside CI. */
export const redisAvailable = () => existsSync(REDIS_SERVER);

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface RedisServer {
  url: string;
  port: number;
  dir: string;
  /** Kill -9, as a crash would. */
  kill(): Promise<void>;
  /** Start again on the same port and folder (so the append-only file is replayed). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startRedis(): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'redis-test-'));
  const port = await freePort();
  let proc: ChildProcess | undefined;

  const launch = async () => {
    const args = [
      '--port', String(port), '--bind', '127.0.0.1', '--dir', dir,
      '--appendonly', 'yes', '--maxmemory-policy', 'noeviction',
      '--save', '', '--protected-mode', 'no', '--daemonize', 'no', '--loglevel', 'warning',
    ];
    const child = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    proc = child;
    let log = '';
    child.stdout!.on('data', (d) => (log += d));
    child.stderr!.on('data', (d) => (log += d));
    // Ready when it answers PING over a plain socket.
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode}): ${log}`);
      if (await ping(port)) return;
      if (Date.now() > deadline) throw new Error(`redis-server did not answer on port ${port}: ${log}`);
      await new Promise((r) => setTimeout(r, 30));
    }
  };
  const kill = async () => {
    const p = proc;
    if (!p || p.exitCode !== null || p.signalCode) return;
    const gone = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await gone;
  };
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    kill,
    restart: launch,
    async stop() {
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function ping(port: number): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(500, () => done(false));
    s.on('error', () => done(false));
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}
