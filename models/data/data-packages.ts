// The emoji image sets are training data, not part of the app: they live in their own package folder
// (models/data/packages, with its own lockfile) that `npm run data:install` installs on demand, so
// `npm install` for the app downloads none of them. Everything that reads them resolves them here,
// and a missing install is one clear message rather than a module-resolution error.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The training-data package folder (its package.json pins every emoji set). */
export const DATA_PACKAGES_DIR = join(dirname(fileURLToPath(import.meta.url)), 'packages');
export const DATA_INSTALL_COMMAND = 'npm run data:install';

export class MissingDataError extends Error {
  constructor(pkg: string) {
    super(
      `The emoji training data is not installed (package ${pkg} not found in models/data/packages/node_modules). ` +
        `Run \`${DATA_INSTALL_COMMAND}\` from the repository root (about 270 MB; the app itself does not need it).`,
    );
    this.name = 'MissingDataError';
  }
}

// Resolution starts from the data folder's package.json, so the app's node_modules is never used.
const dataRequire = createRequire(join(DATA_PACKAGES_DIR, 'package.json'));

/** Folder of one data package; throws MissingDataError when the data is not installed. */
export function dataPackageDir(pkg: string): string {
  try {
    const dir = dirname(dataRequire.resolve(`${pkg}/package.json`));
    if (!dir.startsWith(DATA_PACKAGES_DIR)) throw new MissingDataError(pkg);
    return dir;
  } catch (e) {
    if (e instanceof MissingDataError) throw e;
    throw new MissingDataError(pkg);
  }
}

/** True when every package the data folder pins is installed. */
export function dataInstalled(): boolean {
  const pkgs = Object.keys(dataPackagePins());
  return pkgs.every((p) => existsSync(join(DATA_PACKAGES_DIR, 'node_modules', p, 'package.json')));
}

/** The exact versions the data folder pins, by package name. */
export function dataPackagePins(): Record<string, string> {
  const raw = JSON.parse(readFileSync(join(DATA_PACKAGES_DIR, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  return raw.dependencies;
}

/** Installed version of a data package. */
export function dataPackageVersion(pkg: string): string {
  return (JSON.parse(readFileSync(join(dataPackageDir(pkg), 'package.json'), 'utf8')) as { version: string }).version;
}

/** An ES module of a data package (`subpath` as its exports map names it), imported from its resolved file. */
export async function importDataModule<T>(pkg: string, subpath = ''): Promise<T> {
  dataPackageDir(pkg);
  return (await import(pathToFileURL(dataRequire.resolve(pkg + subpath)).href)) as T;
}
