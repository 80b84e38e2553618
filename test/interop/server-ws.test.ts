// The shared server interop suite against the ws npm client.
import { once } from 'node:events';
import WebSocket from 'ws';
import {
  type CloseSeen,
  type Described,
  generate,
  type InteropPeer,
  type Kind,
  serverInteropSuite,
  sha256,
} from './server-suite.js';

class WsPeer implements InteropPeer {
  private ws: WebSocket | null = null;
  private readonly inbox: Described[] = [];
  private readonly raw: Buffer[] = [];
  private waiting: (() => void) | null = null;
  private closeSeen: Promise<CloseSeen> | null = null;

  async open(url: string, protocols: string[] = []): Promise<string> {
    const ws = new WebSocket(url, protocols, { maxPayload: 64 << 20 });
    this.ws = ws;
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      this.raw.push(data);
      this.inbox.push({
        kind: isBinary ? 'binary' : 'text',
        size: data.length,
        sha256: sha256(data),
      });
      this.waiting?.();
    });
    this.closeSeen = once(ws, 'close').then(([code, reason]) => ({
      code: code as number,
      reason: String(reason),
    }));
    await once(ws, 'open');
    return ws.protocol;
  }

  private async next(): Promise<{ described: Described; data: Buffer }> {
    while (this.inbox.length === 0) await new Promise<void>((resolve) => (this.waiting = resolve));
    return { described: this.inbox.shift()!, data: this.raw.shift()! };
  }

  async echo(kind: Kind, size: number) {
    const message = generate(kind, size);
    this.ws!.send(message, { binary: kind === 'binary' });
    const { data } = await this.next();
    return { sha256: sha256(message), equal: data.equals(message) };
  }

  async echoFragments(kind: Kind, sizes: number[]) {
    const parts = sizes.map((size) => generate(kind, size));
    parts.forEach((part, i) => {
      this.ws!.send(part, { binary: kind === 'binary', fin: i === parts.length - 1 });
    });
    const whole = Buffer.concat(parts);
    const { data } = await this.next();
    return { sha256: sha256(whole), equal: data.equals(whole) };
  }

  async sendText(text: string) {
    this.ws!.send(text);
  }

  async receive() {
    return (await this.next()).described;
  }

  async ping(data: string) {
    const pong = once(this.ws!, 'pong');
    this.ws!.ping(data);
    await pong;
  }

  async close(code: number, reason: string) {
    this.ws!.close(code, reason);
    return this.closed();
  }

  closed() {
    return this.closeSeen!;
  }

  async dispose() {
    this.ws?.terminate();
  }
}

serverInteropSuite('ws (npm)', async () => new WsPeer());
