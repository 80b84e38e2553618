// The try-it page driven in headless Chromium against an echo server built from node:http, the
// page handler and the ws package. The steps share one page and run in order.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { WebSocketServer } from 'ws';
import { createPageHandler } from '../../src/cli/static-page.js';
import { chromiumSkip, launchChromium } from '../helpers/chromium.js';

const skip = chromiumSkip ?? false;

const WS_PATH = '/echo';

interface Received {
  data: Buffer;
  isBinary: boolean;
}

describe('try-it page in headless Chromium', { skip, timeout: 90_000 }, () => {
  let server: Server;
  let wss: WebSocketServer;
  let browser: Browser;
  let page: Page;
  let origin: string;
  const received: Received[] = [];
  const closes: { code: number; reason: string }[] = [];
  const pageErrors: Error[] = [];

  before(async () => {
    const handler = createPageHandler({ wsPath: WS_PATH });
    server = createServer((req, res) => {
      if (!handler(req, res)) res.writeHead(404).end();
    });
    wss = new WebSocketServer({
      server,
      path: WS_PATH,
      handleProtocols: (offered) => (offered.has('chat') ? 'chat' : false),
    });
    wss.on('connection', (ws) => {
      ws.on('message', (data: Buffer, isBinary) => {
        received.push({ data, isBinary });
        ws.send(data, { binary: isBinary });
      });
      ws.on('close', (code, reason) => closes.push({ code, reason: reason.toString() }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (err) => pageErrors.push(err));
    await page.goto(`${origin}/`);
  });

  after(async () => {
    await browser?.close();
    for (const ws of wss?.clients ?? []) ws.terminate();
    wss?.close();
    server?.closeAllConnections();
    server?.close();
  });

  // --- helpers --------------------------------------------------------------------------------

  const visible = '#log .entry:not([hidden])';

  /** One log entry as the page shows it. */
  interface Entry {
    glyph: string;
    time: string;
    type: string;
    size: string;
    content: string;
  }

  /** Waits until the log holds `n` entries in direction `dir`; returns the n-th one. */
  async function waitForEntries(dir: string, n: number): Promise<Entry> {
    const selector = `#log .entry[data-dir="${dir}"]`;
    await page.waitForFunction(([sel, min]) => document.querySelectorAll(sel).length >= min, [
      selector,
      n,
    ] as const);
    return page
      .locator(selector)
      .nth(n - 1)
      .evaluate((li) => {
        const text = (s: string) => li.querySelector(s)?.textContent ?? '';
        return {
          glyph: text('.dir'),
          time: text('time'),
          type: text('.type'),
          size: text('.size'),
          content: text('.content'),
        };
      });
  }

  async function text(selector: string): Promise<string> {
    return (await page.textContent(selector)) ?? '';
  }

  async function count(selector: string): Promise<number> {
    return page.locator(selector).count();
  }

  async function chooseMode(mode: 'text' | 'json' | 'binary'): Promise<void> {
    await page.click(`label[for="mode-${mode}"]`);
    assert.equal(await page.isChecked(`#mode-${mode}`), true);
  }

  async function sendAndWaitForEcho(): Promise<Entry> {
    const n = await count('#log .entry[data-dir="received"]');
    await page.click('#send');
    return waitForEntries('received', n + 1);
  }

  // --- steps ----------------------------------------------------------------------------------

  test('the default URL is this server at the path the server announces', async () => {
    assert.equal(await page.inputValue('#url'), `ws://${new URL(origin).host}${WS_PATH}`);
    assert.equal(await page.getAttribute('#status', 'data-state'), 'closed');
    assert.equal(await page.isDisabled('#send'), true);
    assert.equal(await page.isDisabled('#disconnect'), true);
  });

  test('Enter in the URL field connects; the status shows the negotiated subprotocol', async () => {
    await page.fill('#protocols', 'chat, superchat');
    await page.focus('#url');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#status[data-state="open"]');
    assert.match(await text('#status'), /Open\s+subprotocol chat · no extensions/);
    const open = await waitForEntries('event', 2);
    assert.deepEqual([open.glyph, open.type, open.size], ['•', 'event', '']);
    assert.equal(open.content, 'Open · subprotocol chat · no extensions');
    assert.equal(await page.isDisabled('#connect'), true);
    assert.equal(await page.isEnabled('#disconnect'), true);
  });

  test('text: sent and echoed, each logged with direction, time, size and type', async () => {
    await chooseMode('text');
    await page.fill('#message', 'héllo');
    assert.equal(await text('#message-info'), '6 bytes');
    const echo = await sendAndWaitForEcho();
    assert.match(echo.time, /^\d\d:\d\d:\d\d\.\d{3}$/);
    assert.deepEqual(
      { ...echo, time: '' },
      { glyph: '↓', time: '', type: 'text', size: '6 B', content: 'héllo' },
    );
    const sent = await waitForEntries('sent', 1);
    assert.match(sent.time, /^\d\d:\d\d:\d\d\.\d{3}$/);
    assert.deepEqual(
      { ...sent, time: '' },
      { glyph: '↑', time: '', type: 'text', size: '6 B', content: 'héllo' },
    );
    assert.equal(received.at(-1)?.data.toString(), 'héllo');
    assert.equal(received.at(-1)?.isBinary, false);
  });

  test('JSON: invalid JSON disables Send and shows why; Pretty formats; the echo is json', async () => {
    await chooseMode('json');
    await page.fill('#message', '{"a": 1,');
    assert.equal(await page.isDisabled('#send'), true);
    assert.equal(await page.isDisabled('#pretty'), true);
    assert.equal(await page.getAttribute('#message', 'aria-invalid'), 'true');
    assert.match(await text('#message-info'), /^Invalid JSON: /);

    await page.fill('#message', '{"a":1,"b":[true,null]}');
    assert.equal(await page.isEnabled('#send'), true);
    await page.click('#pretty');
    const pretty = JSON.stringify({ a: 1, b: [true, null] }, null, 2);
    assert.equal(await page.inputValue('#message'), pretty);

    const echo = await sendAndWaitForEcho();
    assert.deepEqual([echo.type, echo.size, echo.content], ['json', `${pretty.length} B`, pretty]);
    assert.equal(received.at(-1)?.data.toString(), pretty);
  });

  test('binary: hex is parsed (spaces allowed), sent as bytes, and the echo shown as hex', async () => {
    await chooseMode('binary');
    await page.click('label[for="enc-hex"]');
    await page.fill('#message', '48 65 6c');
    await page.fill('#message', '48 65 6c 6c 6f 0');
    assert.equal(await text('#message-info'), 'Odd number of hex digits');
    assert.equal(await page.isDisabled('#send'), true);
    await page.fill('#message', '48 65 6c6c 6f\n00 ff');
    assert.equal(await text('#message-info'), '7 bytes');

    const echo = await sendAndWaitForEcho();
    assert.deepEqual(
      [echo.type, echo.size, echo.content],
      ['binary', '7 B', '48 65 6c 6c 6f 00 ff'],
    );
    assert.deepEqual(received.at(-1), {
      data: Buffer.from([0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00, 0xff]),
      isBinary: true,
    });
  });

  test('binary: switching to base64 converts the bytes; base64 sends the same bytes', async () => {
    await page.click('label[for="enc-base64"]');
    assert.equal(await page.inputValue('#message'), 'SGVsbG8A/w==');
    assert.equal(await text('#message-info'), '7 bytes');
    await page.fill('#message', 'AAEC/w');
    assert.equal(await text('#message-info'), '4 bytes');
    const echo = await sendAndWaitForEcho();
    assert.deepEqual([echo.type, echo.size, echo.content], ['binary', '4 B', '00 01 02 ff']);
    await page.click('label[for="enc-hex"]');
    assert.equal(await page.inputValue('#message'), '00 01 02 ff');
  });

  test('a long binary message is shortened in the log, with a button to show all of it', async () => {
    const bytes = Array.from({ length: 300 }, (_, i) => (i % 256).toString(16).padStart(2, '0'));
    await page.fill('#message', bytes.join(''));
    const echo = await sendAndWaitForEcho();
    assert.equal(echo.content, `${bytes.slice(0, 192).join(' ')} …`);
    const last = page.locator('#log .entry[data-dir="received"]').last();
    const more = last.locator('button.more');
    assert.equal(await more.textContent(), 'Show all 300 bytes');
    await more.click();
    assert.equal(await more.getAttribute('aria-expanded'), 'true');
    assert.equal(await last.locator('.content').textContent(), bytes.join(' '));
  });

  test('the filter: substring, direction and type toggles, Escape clears', async () => {
    const all = await count('#log .entry');
    await page.fill('#filter', 'HÉLLO');
    assert.equal(await count(visible), 2);
    await page.fill('#filter', '6c6c6f'); // hex is also matched without its spaces
    assert.equal(await count(visible), 2);
    await page.press('#filter', 'Escape');
    assert.equal(await page.inputValue('#filter'), '');
    assert.equal(await count(visible), all);

    await page.click('.toggle[data-dir="received"]');
    assert.equal(await page.getAttribute('.toggle[data-dir="received"]', 'aria-pressed'), 'false');
    assert.equal(await count(`${visible}[data-dir="received"]`), 0);
    assert.match(await text('#log-count'), new RegExp(`of ${all} shown`));
    await page.click('.toggle[data-dir="received"]');
    await page.click('.toggle[data-type="binary"]');
    assert.equal(await count(`${visible}[data-type="binary"]`), 0);
    assert.ok((await count(`${visible}[data-type="text"]`)) >= 2);
    await page.click('.toggle[data-type="binary"]');
    assert.equal(await count(visible), all);
  });

  test('history: newest first, saved in localStorage, loaded back by click or keyboard', async () => {
    const stored = await page.evaluate(() => localStorage.getItem('wskit.try-it.history'));
    assert.equal(JSON.parse(stored ?? '[]').length, 5);
    const items = page.locator('#history .history-item');
    assert.equal(await items.count(), 5);
    assert.match((await items.nth(0).textContent()) ?? '', /^binary hex000102/);
    assert.equal(await items.nth(4).textContent(), 'texthéllo');

    await items.nth(4).click();
    assert.equal(await page.isChecked('#mode-text'), true);
    assert.equal(await page.inputValue('#message'), 'héllo');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'message');

    // One Tab stop for the list; arrows move within it, Enter loads.
    await items.nth(0).focus();
    await page.keyboard.press('End');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    assert.equal(await page.isChecked('#mode-json'), true);
    assert.equal(
      await page.inputValue('#message'),
      JSON.stringify({ a: 1, b: [true, null] }, null, 2),
    );
  });

  test('keyboard: Tab reaches the composer and Ctrl+Enter sends', async () => {
    await chooseMode('text');
    await page.focus('#url');
    const path: string[] = [];
    for (let i = 0; i < 20 && path.at(-1) !== 'message'; i++) {
      await page.keyboard.press('Tab');
      path.push(await page.evaluate(() => document.activeElement?.id ?? ''));
    }
    assert.equal(path.at(-1), 'message', `Tab went through ${path.join(', ')}`);
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type('sent from the keyboard');
    const n = await count('#log .entry[data-dir="received"]');
    await page.keyboard.press('Control+Enter');
    const echo = await waitForEntries('received', n + 1);
    assert.deepEqual([echo.size, echo.content], ['22 B', 'sent from the keyboard']);
  });

  test('disconnect refuses a code the browser cannot send', async () => {
    await page.fill('#close-code', '1005');
    await page.click('#disconnect');
    assert.match(await text('#connect-error'), /1000 or from 3000 to 4999/);
    assert.equal(await page.getAttribute('#status', 'data-state'), 'open');
  });

  test('disconnect with 4000 "bye": the server sees it and the log shows code and reason', async () => {
    const events = await count('#log .entry[data-dir="event"]');
    await page.fill('#close-code', '4000');
    await page.fill('#close-reason', 'bye');
    await page.click('#disconnect');
    await page.waitForSelector('#status[data-state="closed"]');
    assert.equal(await page.locator('#connect-error').isHidden(), true);
    const closed = await waitForEntries('event', events + 2);
    assert.equal(closed.content, 'Closed · code 4000 · reason "bye" · clean');
    assert.match(await text('#status'), /Closed\s+4000 bye/);
    assert.equal(await page.isEnabled('#connect'), true);
    assert.equal(await page.isDisabled('#send'), true);

    const deadline = Date.now() + 5_000;
    while (closes.length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(closes, [{ code: 4000, reason: 'bye' }]);
  });

  test('the history survives a reload', async () => {
    await page.reload();
    assert.equal(await page.locator('#history .history-item').count(), 6);
    assert.match(
      (await page.locator('#history .history-item').first().textContent()) ?? '',
      /keyboard/,
    );
    assert.equal(await count('#log .entry'), 0);
  });

  test('Delete forgets a history item and keeps the focus in the list', async () => {
    const items = page.locator('#history .history-item');
    await items.nth(1).focus();
    await page.keyboard.press('Delete');
    assert.equal(await items.count(), 5);
    assert.equal(await page.evaluate(() => document.activeElement?.className), 'history-item');
    const stored = await page.evaluate(() => localStorage.getItem('wskit.try-it.history'));
    assert.equal(JSON.parse(stored ?? '[]').length, 5);
  });

  test('a history item in base64 loads with its encoding, and converts back to hex', async () => {
    const item = page.locator('#history .history-item', { hasText: 'binary base64' });
    await item.click();
    assert.equal(await page.isChecked('#enc-base64'), true);
    assert.equal(await page.inputValue('#message'), 'AAEC/w');
    await page.click('label[for="enc-hex"]');
    assert.equal(await page.inputValue('#message'), '00 01 02 ff');
  });

  test('the page raised no error', () => {
    assert.deepEqual(pageErrors, []);
  });
});
