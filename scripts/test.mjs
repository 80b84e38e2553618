#!/usr/bin/env node
// The one test command: installs what the tests need, type-checks, lints, then runs every test.
// Usage: npm test [-- FILTER...]   (FILTER: substrings of test file paths)
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
process.chdir(root);
const filters = process.argv.slice(2);

function step(title) {
  process.stdout.write(`\n== ${title}\n`);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    process.stderr.write(`\n${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})\n`);
    process.exit(r.status || 1);
  }
}

function has(cmd, args) {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
}

// 1. npm dependencies.
if (!existsSync('node_modules/.package-lock.json')) {
  step('npm ci');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

// 2. Debian peers: Python's websockets (interop), Chromium (browser tests), redis-server (pub/sub).
const peers = [
  { pkg: 'python3-websockets', ok: () => has('/usr/bin/python3', ['-c', 'import websockets']) },
  { pkg: 'chromium', ok: () => existsSync('/usr/bin/chromium') },
  { pkg: 'redis-server', ok: () => existsSync('/usr/bin/redis-server') },
];
const missing = peers.filter((p) => !p.ok()).map((p) => p.pkg);
if (missing.length > 0) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && has('apt-get', ['--version'])) {
    step(`apt-get install ${missing.join(' ')}`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    run('apt-get', ['update', '-qq'], { env });
    run('apt-get', ['install', '-y', '-qq', ...missing], { env });
  } else {
    process.stdout.write(
      `\n!! Missing test peers: ${missing.join(', ')}.\n` +
        `!! Install them (Debian: sudo apt-get install ${missing.join(' ')}); the tests that need them will be reported as skipped with this reason.\n`,
    );
  }
}

// 3. Type-check (and emit the tests to build/).
step('tsc');
rmSync('build', { recursive: true, force: true });
run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json']);
run(process.execPath, ['scripts/copy-assets.mjs']);

// 4. Lint and format check.
step('biome check');
run(process.execPath, ['node_modules/@biomejs/biome/bin/biome', 'check', '.']);

// 5. Tests.
function collect(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) collect(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}
let files = collect('build/test');
if (filters.length > 0) files = files.filter((f) => filters.some((s) => f.includes(s)));
step(`node --test (${files.length} files)`);
const env = { ...process.env, WSKIT_ROOT: root };
run(process.execPath, ['--enable-source-maps', '--test', ...files.map((f) => relative(root, f))], {
  env,
});
