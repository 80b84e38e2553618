#!/usr/bin/env node
// tsc emits only JavaScript: this copies the files it does not (the try-it page) next to the
// compiled modules that load them, in dist/ (the package) and build/ (what the tests run).
import { cpSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const assets = [{ from: 'src/cli/page', to: ['dist/cli/page', 'build/src/cli/page'] }];

for (const { from, to } of assets) {
  for (const target of to) {
    cpSync(`${root}${from}`, `${root}${target}`, { recursive: true });
  }
}
