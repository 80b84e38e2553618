/**
 * Keeps `send()` in order when a Blob has to be read first (WebSockets §4, send(): the data sent
 * is the Blob's raw data, read asynchronously in Node). A message or the Close frame that
 * follows a pending Blob waits behind it; with no Blob pending, everything is written at once.
 */

/** Where the queue writes: the facade, which hands the frames to the transport. */
export interface SendTarget {
  /** Writes one message of `length` bytes (for bufferedAmount, once they have left). */
  writeMessage(data: Uint8Array | string, binary: boolean, length: number): void;
  /** Starts the closing handshake (RFC 6455 §7.1.2). */
  writeClose(code: number | undefined, reason: string): void;
  /** A Blob could not be read: the message can never be sent. */
  onBlobError(error: Error): void;
}

type Entry =
  | { kind: 'message'; data: Uint8Array | string | null; binary: boolean; length: number }
  | { kind: 'close'; code: number | undefined; reason: string };

export class SendQueue {
  private readonly target: SendTarget;
  /** Entries waiting behind a Blob; empty when nothing is pending. */
  private readonly waiting: Entry[] = [];
  private stopped = false;

  constructor(target: SendTarget) {
    this.target = target;
  }

  /** Sends a text or binary message now, or after the Blobs queued before it. */
  add(data: Uint8Array | string, binary: boolean, length: number): void {
    if (this.stopped) return;
    if (this.waiting.length === 0) {
      this.target.writeMessage(data, binary, length);
      return;
    }
    // The caller may change its buffer once send() returns: keep a copy of what it sent.
    const copy = typeof data === 'string' ? data : new Uint8Array(data);
    this.waiting.push({ kind: 'message', data: copy, binary, length });
  }

  /** Sends a Blob's bytes as a binary message once they have been read. */
  addBlob(blob: Blob): void {
    if (this.stopped) return;
    const entry: Entry = { kind: 'message', data: null, binary: true, length: blob.size };
    this.waiting.push(entry);
    blob.arrayBuffer().then(
      (bytes) => {
        entry.data = new Uint8Array(bytes);
        this.drain();
      },
      (error: unknown) => {
        if (this.stopped) return;
        this.stop();
        this.target.onBlobError(error instanceof Error ? error : new Error(String(error)));
      },
    );
  }

  /** Starts the closing handshake after every message sent before it. */
  addClose(code: number | undefined, reason: string): void {
    if (this.stopped) return;
    if (this.waiting.length === 0) this.target.writeClose(code, reason);
    else this.waiting.push({ kind: 'close', code, reason });
  }

  /** The connection is closing or gone: what is left is never sent. */
  stop(): void {
    this.stopped = true;
    this.waiting.length = 0;
  }

  private drain(): void {
    while (!this.stopped) {
      const head = this.waiting[0];
      if (head === undefined || (head.kind === 'message' && head.data === null)) return;
      this.waiting.shift();
      this.write(head);
    }
  }

  private write(entry: Entry): void {
    if (entry.kind === 'close') {
      this.target.writeClose(entry.code, entry.reason);
      return;
    }
    const { data, binary, length } = entry;
    if (data !== null) this.target.writeMessage(data, binary, length);
  }
}
