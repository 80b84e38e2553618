#!/usr/bin/env node
// The main job: builds wskit if needed, then runs `wskit serve`: the try-it page and a WebSocket
// echo on http://127.0.0.1:8080 (PORT and HOST override). Ctrl-C closes every client with 1001.
// Other options go to `wskit serve`: npm start -- --mode broadcast
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
process.chdir(root);
function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status || 1);
}
if (!existsSync('node_modules/.package-lock.json')) run('npm', ['ci', '--no-audit', '--no-fund']);
run('npm', ['run', '--silent', 'build']);

const args = ['dist/cli/main.js', 'serve'];
if (process.env.PORT) args.push('--port', process.env.PORT);
if (process.env.HOST) args.push('--host', process.env.HOST);
args.push(...process.argv.slice(2));

// In its own process group, so that a Ctrl-C reaches wskit once, passed on from here (a second
// Ctrl-C would cut its graceful shutdown short).
const child = spawn(process.execPath, args, { stdio: 'inherit', detached: true });
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => child.kill(signal));
}
child.on('exit', (code, signal) => {
  process.exit(code ?? 128 + (constants.signals[signal] ?? 0));
});
