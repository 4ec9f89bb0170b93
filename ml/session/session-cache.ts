// Sessions built once per key and kept: building one costs the graph's serialization and the
// runtime's optimization and weight pre-packing, so a model keeps every session it made. A build
// that fails is forgotten, so the next call tries again.
import type { Backend, Session, SessionOptions } from './session.ts';

export class SessionCache {
  private readonly sessions = new Map<string, Promise<Session>>();

  constructor(
    private readonly backend: Backend,
    private readonly options: SessionOptions = {},
  ) {}

  /** The session under `key`, built from `model()` (ONNX bytes) the first time. */
  get(key: string, model: () => Uint8Array): Promise<Session> {
    let s = this.sessions.get(key);
    if (!s) {
      s = this.backend.create(model(), this.options);
      this.sessions.set(key, s);
      s.catch(() => this.sessions.delete(key));
    }
    return s;
  }

  /** Releases every session (those that failed to build are skipped) and forgets them. */
  async release(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(all.map(async (s) => (await s).release().catch(() => {})));
  }
}
