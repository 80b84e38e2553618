// Headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) for browser tests,
// and a plain HTTP server for the page it loads.
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Why browser tests are skipped, or undefined when Chromium is installed. */
export const chromiumSkip = existsSync(CHROMIUM)
  ? undefined
  : `${CHROMIUM} is absent: install Debian's chromium (npm test does, as root)`;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    timeout: 30_000,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Serves `html` at every path of 127.0.0.1 and a free port. */
export async function servePage(html: string): Promise<{ origin: string; close(): Promise<void> }> {
  const pages = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  pages.listen(0, '127.0.0.1');
  await once(pages, 'listening');
  return {
    origin: `http://127.0.0.1:${(pages.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => pages.close(() => resolve())),
  };
}
