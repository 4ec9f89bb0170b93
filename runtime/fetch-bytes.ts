// Bytes of a URL, for both platforms. Single-page hosts (Vite's dev server and preview among them)
// answer a path they do not have with the app's index.html and status 200; no asset a graph names
// is HTML, so such an answer is a missing file, said as one instead of failing later in a decoder.
export async function fetchBytes(url: string, signal: AbortSignal): Promise<Uint8Array> {
  const res = await fetch(url, { signal });
  if (!res.ok) throw new Error(`HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
  if (/^text\/html\b/i.test(res.headers.get('content-type') ?? '')) {
    await res.body?.cancel();
    throw new Error('not found: the server answered with a web page, as servers do for a path they do not have');
  }
  return new Uint8Array(await res.arrayBuffer());
}
