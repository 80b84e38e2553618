// A user's listener that throws: the connection fails with 1011 so the engine's state stays
// consistent, the error surfaces as an uncaught exception (as any listener's would), and the
// server goes on serving. Run in a child process, since the test runner fails on uncaught errors.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const index = pathToFileURL(`${root}build/src/index.js`).href;

const child = `
import WebSocket from 'ws';
import { WebSocketServer } from '${index}';
const uncaught = [];
process.on('uncaughtException', (error) => uncaught.push(error.message));
const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
await new Promise((resolve) => wss.once('listening', resolve));
const url = 'ws://127.0.0.1:' + wss.address().port;
wss.on('connection', (socket, request) => {
  socket.on('message', (data) => {
    if (String(data) === 'throw') throw new Error('message listener');
    socket.send('echo:' + data);
  });
  if (request.url === '/connection') throw new Error('connection listener');
});
const run = (path, send) => new Promise((resolve) => {
  const ws = new WebSocket(url + path);
  const got = [];
  ws.on('open', () => { for (const m of send) ws.send(m); });
  ws.on('message', (data) => { got.push(String(data)); if (got.length === send.length) ws.close(1000); });
  ws.on('close', (code) => resolve({ code, got }));
});
const results = [await run('/', ['throw', 'after']), await run('/', ['ok']), await run('/connection', ['still served'])];
await wss.close({ timeout: 500 });
console.log(JSON.stringify({ results, uncaught }));
`;

test('a throwing listener fails its connection with 1011, not the server', {
  timeout: 20_000,
}, async () => {
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', child],
      { cwd: root, timeout: 15_000 },
      (error, out, err) =>
        error === null ? resolve(out) : reject(new Error(`${error.message}\n${err}`)),
    );
  });
  const { results, uncaught } = JSON.parse(stdout) as {
    results: { code: number; got: string[] }[];
    uncaught: string[];
  };
  assert.deepEqual(results[0], { code: 1011, got: [] });
  assert.deepEqual(results[1], { code: 1000, got: ['echo:ok'] });
  assert.deepEqual(results[2], { code: 1000, got: ['echo:still served'] });
  assert.deepEqual(uncaught, ['message listener', 'connection listener']);
});
