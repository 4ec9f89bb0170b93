// postinstall: onnxruntime-node ships its native library for every platform it supports (Linux,
// macOS and Windows on x64 and arm64, about 290 MB), and loads only the one of the machine it runs
// on (bin/napi-v*/<platform>/<arch>/). The others are removed after install, which takes about
// 245 MB off the app's node_modules. A reinstall brings them back; set
// PERSONALIZE_KEEP_ALL_BINARIES=1 to keep them (e.g. to copy node_modules to another platform).
// Plain JavaScript with Node built-ins only: it runs before any dev tool is installed.
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = process.argv[2] ?? process.cwd();
const platform = process.env.PRUNE_PLATFORM ?? process.platform;
const arch = process.env.PRUNE_ARCH ?? process.arch;

function prune() {
  if (process.env.PERSONALIZE_KEEP_ALL_BINARIES) return;
  const bin = join(root, 'node_modules', 'onnxruntime-node', 'bin');
  if (!existsSync(bin)) return;
  let freed = 0;
  const size = (p) => (statSync(p).isDirectory() ? readdirSync(p).reduce((s, f) => s + size(join(p, f)), 0) : statSync(p).size);
  for (const napi of readdirSync(bin).filter((d) => d.startsWith('napi-v'))) {
    const here = join(bin, napi, platform, arch);
    // Never leave a layout without this machine's binary (an unknown platform keeps everything).
    if (!existsSync(here)) continue;
    for (const p of readdirSync(join(bin, napi))) {
      for (const a of readdirSync(join(bin, napi, p))) {
        if (p === platform && a === arch) continue;
        const dir = join(bin, napi, p, a);
        freed += size(dir);
        rmSync(dir, { recursive: true, force: true });
      }
      if (readdirSync(join(bin, napi, p)).length === 0) rmSync(join(bin, napi, p), { recursive: true, force: true });
    }
  }
  if (freed) console.log(`onnxruntime-node: removed the native libraries of other platforms (${(freed / 2 ** 20).toFixed(0)} MB); kept ${platform}/${arch}`);
}

prune();
