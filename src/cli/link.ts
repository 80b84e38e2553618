/**
 * The connection under `wskit connect`, in two forms with one interface. By default it is wskit's
 * WHATWG `WebSocket`, exactly what a program would use. The WHATWG interface has no ping, so
 * `--ping` opens the connection one level down: the same dial and transport the `WebSocket`
 * facade is built on, whose engine can send pings and reports pongs.
 */
import { dial, prepareHandshake } from '../client/dial.js';
import type { WebSocketOptions } from '../client/options.js';
import { SocketTransport } from '../transport/socket-transport.js';
import { WebSocket } from '../whatwg/websocket.js';

export interface LinkEvents {
  open(protocol: string, extensions: string): void;
  message(data: string | Buffer): void;
  /** A pong arrived (engine link only). */
  pong(data: Buffer): void;
  /** A ping arrived and was answered (engine link only). */
  ping(data: Buffer): void;
  /**
   * The connection is over. `opened` says whether it was ever open; `cause` is why it failed
   * or ended abnormally, when known.
   */
  close(code: number, reason: string, opened: boolean, cause: Error | null): void;
}

export interface Link {
  send(text: string): void;
  /** Starts the closing handshake after what was sent; while connecting, gives up. */
  close(code: number, reason?: string): void;
  /** Bytes given to `send` and not yet written. */
  readonly bufferedAmount: number;
  /** Sends a ping; null when the link cannot. */
  readonly ping: ((data: Buffer) => void) | null;
}

export interface LinkTarget {
  readonly url: string;
  readonly protocols: readonly string[];
  readonly options: WebSocketOptions;
}

/** The WHATWG `WebSocket`. Throws what its constructor throws (a bad header, say). */
export function openWebSocketLink(target: LinkTarget, events: LinkEvents): Link {
  let cause: Error | null = null;
  let opened = false;
  const ws = new WebSocket(target.url, {
    ...target.options,
    protocols: [...target.protocols],
    onDiagnostic: (error) => {
      cause ??= error;
    },
  });
  ws.binaryType = 'arraybuffer';
  ws.onopen = () => {
    opened = true;
    events.open(ws.protocol, ws.extensions);
  };
  ws.onmessage = (event) => {
    const data: unknown = event.data;
    events.message(typeof data === 'string' ? data : Buffer.from(data as ArrayBuffer));
  };
  ws.onclose = (event) => events.close(event.code, event.reason, opened, cause);
  return {
    send: (text) => ws.send(text),
    close: (code, reason) => ws.close(code, reason),
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
    ping: null,
  };
}

/**
 * The dial and the transport without the facade: pings and pongs are visible. No extension is
 * offered on this path, whatever `perMessageDeflate` says, since the engine is set up here
 * without one.
 */
export function openEngineLink(target: LinkTarget, events: LinkEvents): Link {
  const options: WebSocketOptions = { ...target.options, perMessageDeflate: false };
  const handshake = prepareHandshake(new URL(target.url), target.protocols, options);
  let transport: SocketTransport | null = null;
  let cause: Error | null = null;
  let done = false;
  const finish = (code: number, reason: string, opened: boolean) => {
    if (done) return;
    done = true;
    events.close(code, reason, opened, cause);
  };
  const dialing = dial(handshake, options, {
    onEstablished: ({ socket, head, protocol }) => {
      // The first frames, if they came with the 101, are read again once the transport listens:
      // after the open event.
      if (head.length > 0) socket.unshift(head);
      transport = new SocketTransport(
        socket,
        {
          onMessage: (data, binary) => events.message(binary ? data : data.toString('utf8')),
          onPing: (data) => events.ping(data),
          onPong: (data) => events.pong(data),
          onPeerClose: () => {},
          onError: (error) => {
            cause ??= error;
          },
          onDrain: () => {},
          onClose: (code, reason) => finish(code, reason, true),
        },
        {
          role: 'client',
          ...(options.maxPayload === undefined ? {} : { maxPayload: options.maxPayload }),
        },
      );
      events.open(protocol, ''); // nothing offered on this path
    },
    onFail: (error) => {
      cause ??= error;
      finish(1006, '', false);
    },
  });
  const isOpen = () => transport !== null && transport.engine.state === 'open';
  return {
    send: (text) => {
      if (isOpen()) transport!.send(text, false, true);
    },
    close: (code, reason) => {
      if (transport === null) dialing.abort(new Error('closed while connecting'));
      else if (isOpen()) transport.close(code, reason);
    },
    get bufferedAmount() {
      return transport === null ? 0 : transport.bufferedAmount;
    },
    ping: (data) => {
      if (isOpen()) transport!.ping(data);
    },
  };
}
