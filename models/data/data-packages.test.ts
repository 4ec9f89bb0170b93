import { describe, expect, it } from 'vitest';
import { DATA_INSTALL_COMMAND, dataPackageDir, dataPackagePins, DATA_PACKAGES_DIR, MissingDataError } from './data-packages.ts';
import { STYLE_SOURCE } from './catalog.ts';

describe('training-data packages', () => {
  it('pins every style\'s package in the data folder, none in the app', async () => {
    const pins = dataPackagePins();
    for (const src of Object.values(STYLE_SOURCE)) expect(pins[src.pkg], src.pkg).toMatch(/^\d+\.\d+\.\d+$/);
    const { readFileSync } = await import('node:fs');
    const app = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: object; devDependencies: object };
    const appDeps = Object.keys({ ...app.dependencies, ...app.devDependencies });
    for (const p of Object.keys(pins)) expect(appDeps, p).not.toContain(p);
  });

  it('says how to install the data when a package is missing', () => {
    expect(() => dataPackageDir('emoji-datasource-nonexistent')).toThrow(MissingDataError);
    expect(() => dataPackageDir('emoji-datasource-nonexistent')).toThrow(DATA_INSTALL_COMMAND);
  });

  it('resolves packages inside the data folder only', () => {
    expect(dataPackageDir('emoji-datasource-twitter').startsWith(DATA_PACKAGES_DIR)).toBe(true);
    // A package the app has (sharp) is not data: it is not found from the data folder.
    expect(() => dataPackageDir('sharp')).toThrow(MissingDataError);
  });
});
