// Bytes of a URL, for both platforms, bounded: at most `maxBytes` (the Content-Length is checked
// first, then the body is counted as it streams, so a server that lies or never stops is cut off)
// and at most LIMITS.readMs from request to last byte.
//
// Single-page hosts (Vite's dev server and preview among them) answer a path they do not have with
// the app's index.html and status 200; no asset a graph names is HTML, so such an answer is a
// missing file, said as one instead of failing later in a decoder.
import { type ByteLimit, formatBytes, LIMITS, LimitError } from '../ml/untrusted/limits.ts';

export async function fetchBytes(url: string, signal: AbortSignal, limit: ByteLimit = 'sourceBytes'): Promise<Uint8Array> {
  const maxBytes = LIMITS[limit];
  const timeout = AbortSignal.timeout(LIMITS.readMs);
  const both = AbortSignal.any([signal, timeout]);
  try {
    const res = await fetch(url, { signal: both });
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
    }
    if (/^text\/html\b/i.test(res.headers.get('content-type') ?? '')) {
      await res.body?.cancel();
      throw new Error('not found: the server answered with a web page, as servers do for a path they do not have');
    }
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (declared > maxBytes) {
      await res.body?.cancel();
      throw new LimitError(limit, `is ${formatBytes(declared)}, more than ${formatBytes(maxBytes)}`);
    }
    return await readCapped(res.body, limit);
  } catch (e) {
    if (timeout.aborted && !signal.aborted) throw new LimitError('readMs', `took longer than ${LIMITS.readMs / 1000} s to read`);
    throw e;
  }
}

/** The whole stream, refused as soon as it passes the limit. */
async function readCapped(body: ReadableStream<Uint8Array> | null, limit: ByteLimit): Promise<Uint8Array> {
  const maxBytes = LIMITS[limit];
  if (!body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new LimitError(limit, `sent more than ${formatBytes(maxBytes)}`);
    }
    chunks.push(value);
  }
  return joinChunks(chunks, total);
}

/** The chunks of a bounded read as one array (the one chunk itself when there is only one). */
export function joinChunks(chunks: readonly Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
