/**
 * Typed access to the parts of ws that the codec benchmark compares with: its frame parser
 * (`Receiver`) and its pure frame builder (`Sender.frame`). @types/ws does not describe them, and
 * ws's package exports only its root, which re-exports both (`ws/lib/receiver.js`, `ws/lib/sender.js`).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** ws 8 `Receiver`: a Writable whose `_write` parses synchronously and calls back when done. */
export interface WsReceiver {
  _write(chunk: Buffer, encoding: null, callback: (error?: Error | null) => void): void;
  write(chunk: Buffer): boolean;
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
}

export interface WsReceiverOptions {
  isServer: boolean;
  /** 0 means no limit. */
  maxPayload: number;
}

/** The options `Sender.frame` reads for a binary frame in ws 8.23 (lib/sender.js). */
export interface WsFrameOptions {
  fin: boolean;
  opcode: number;
  mask: boolean;
  /**
   * With `mask`: true copies the payload into one buffer with the header (the caller's buffer
   * is left alone); false masks the caller's buffer in place and returns it after the header.
   */
  readOnly: boolean;
  rsv1: boolean;
}

interface WsModule {
  Receiver: new (options: WsReceiverOptions) => WsReceiver;
  Sender: { frame(data: Buffer, options: WsFrameOptions): Buffer[] };
}

const require = createRequire(import.meta.url);
const ws = require('ws') as WsModule;

export const Receiver = ws.Receiver;
export const Sender = ws.Sender;

const wsRoot = dirname(require.resolve('ws'));

/** ws's version, read from its package.json (not in its exports map). */
export const wsVersion = (
  JSON.parse(readFileSync(join(wsRoot, 'package.json'), 'utf8')) as { version: string }
).version;

/** Whether ws found the native `bufferutil` masking addon; without it ws masks byte by byte in JS. */
export const hasBufferUtil = ((): boolean => {
  try {
    require.resolve('bufferutil', { paths: [wsRoot] });
    return true;
  } catch {
    return false;
  }
})();
