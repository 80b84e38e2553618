import { readFileSync } from 'node:fs';

/**
 * The package's version, from its package.json: two folders up from the compiled module in the
 * package (dist/cli/), three in the test build (build/src/cli/).
 */
export function packageVersion(): string {
  for (const up of ['../../', '../../../']) {
    try {
      const json = JSON.parse(readFileSync(new URL(`${up}package.json`, import.meta.url), 'utf8'));
      if (json.name === 'wskit' && typeof json.version === 'string') return json.version;
    } catch {
      // Not here: try one folder up.
    }
  }
  return 'unknown';
}
