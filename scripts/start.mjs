#!/usr/bin/env node
// The main job: builds wskit if needed, then serves the try-it page and a WebSocket echo on
// http://127.0.0.1:8080 (PORT and HOST override). Ctrl-C closes every client with 1001.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
process.chdir(root);
function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status || 1);
}
if (!existsSync('node_modules/.package-lock.json')) run('npm', ['ci', '--no-audit', '--no-fund']);
run('npm', ['run', '--silent', 'build']);

const { WebSocketServer } = await import('../dist/index.js');
const { createPageHandler } = await import('../dist/cli/static-page.js');

const port = Number(process.env.PORT ?? 8080);
const host = process.env.HOST ?? '127.0.0.1';
const page = createPageHandler({ wsPath: '/' });
const http = createServer((req, res) => {
  if (!page(req, res)) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
  }
});
const wss = new WebSocketServer({ server: http });
wss.on('connection', (socket) => {
  socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
});
http.listen(port, host, () => {
  console.log(
    `wskit echo server: open http://${host}:${port}/ (WebSocket at ws://${host}:${port}/)`,
  );
});
process.once('SIGINT', () => {
  console.log('\nclosing: 1001 to every client');
  wss.close(() => http.close(() => process.exit(0)));
});
