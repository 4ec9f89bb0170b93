// Where derived data (decoded pixels, rasterized SVGs) is cached: outside the repository, per user.
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The cache root: $PERSONALIZE_WORKBENCH_CACHE, else $XDG_CACHE_HOME or ~/.cache, + /personalize-workbench. */
export function cacheRoot(): string {
  const env = process.env.PERSONALIZE_WORKBENCH_CACHE;
  if (env) return env;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'personalize-workbench');
}
