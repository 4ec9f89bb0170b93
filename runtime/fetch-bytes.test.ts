import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchBytes } from './fetch-bytes.ts';

describe('fetchBytes', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    // A host with one file that answers every other path with its page, as single-page hosts do.
    server = createServer((req, res) => {
      if (req.url === '/weights.bin') return res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.from([1, 2, 3]));
      if (req.url === '/gone.png') return res.writeHead(404, 'Not Found').end();
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>app</title>');
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const addr = server.address() as { port: number };
    base = `http://127.0.0.1:${addr.port}`;
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  const signal = new AbortController().signal;

  it('returns the bytes of a file', async () => {
    expect([...(await fetchBytes(`${base}/weights.bin`, signal))]).toEqual([1, 2, 3]);
  });

  it('names the status of a failed request', async () => {
    await expect(fetchBytes(`${base}/gone.png`, signal)).rejects.toThrow('HTTP 404 Not Found');
  });

  it('takes an HTML page in place of an asset for a missing file', async () => {
    await expect(fetchBytes(`${base}/models/missing.safetensors`, signal)).rejects.toThrow(/not found: the server answered with a web page/);
  });
});
