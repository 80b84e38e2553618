/**
 * Records what a WebSocket dispatches as a list of short strings, so that tests can compare whole
 * event sequences (and compare wskit's sequence with another implementation's).
 */

/** The part of the WHATWG interface the recorder and the scenarios use. */
export interface WebSocketLike extends EventTarget {
  readonly readyState: number;
  readonly bufferedAmount: number;
  readonly protocol: string;
  binaryType: string;
  send(data: string | ArrayBuffer | ArrayBufferView | Blob): void;
  close(code?: number, reason?: string): void;
}

export interface CloseInfo {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
}

export interface Recording {
  /** `open`, `text:…`, `blob:N`, `arraybuffer:N`, `error`, `close:CODE:REASON:CLEAN`. */
  readonly log: string[];
  /** The data of each message, in order. */
  readonly messages: unknown[];
  /** Resolves with the close event's fields. */
  readonly closed: Promise<CloseInfo>;
}

export function describeData(data: unknown): string {
  if (typeof data === 'string') return `text:${data.length > 40 ? `${data.length} chars` : data}`;
  if (data instanceof ArrayBuffer) return `arraybuffer:${data.byteLength}`;
  if (data instanceof Blob) return `blob:${data.size}`;
  return `other:${String(data)}`;
}

export function record(ws: WebSocketLike): Recording {
  const log: string[] = [];
  const messages: unknown[] = [];
  ws.addEventListener('open', () => log.push('open'));
  ws.addEventListener('message', (event) => {
    const data: unknown = (event as MessageEvent).data;
    messages.push(data);
    log.push(describeData(data));
  });
  ws.addEventListener('error', () => log.push('error'));
  const closed = new Promise<CloseInfo>((resolve) => {
    ws.addEventListener('close', (event) => {
      const { code, reason, wasClean } = event as CloseEvent;
      log.push(`close:${code}:${reason}:${wasClean}`);
      resolve({ code, reason, wasClean });
    });
  });
  return { log, messages, closed };
}

/** Resolves on the next event of `type`. */
export function nextEvent(ws: EventTarget, type: string): Promise<Event> {
  return new Promise((resolve) => ws.addEventListener(type, resolve, { once: true }));
}
