/**
 * The WHATWG `WebSocket` interface (WebSockets Standard §3–§4) over the wskit engine. Comments
 * cite the Standard's algorithm steps; the code under each is that step. Events are dispatched
 * as tasks (setImmediate), never from inside a method, in the order the protocol produced them.
 */
import { type Dialing, dial, type Established, prepareHandshake } from '../client/dial.js';
import type { WebSocketOptions } from '../client/options.js';
import { ProtocolError } from '../protocol/errors.js';
import { SocketTransport, type TransportHandler } from '../transport/socket-transport.js';
import {
  checkProtocols,
  parseWebSocketURL,
  readSecondArgument,
  syntaxError,
  toArrayBuffer,
  toSendData,
} from './arguments.js';
import { defineEventHandlers, EventHandlers } from './event-handlers.js';
import { CloseEvent, MessageEvent } from './events.js';
import { SendQueue, type SendTarget } from './send-queue.js';
import {
  defineInterface,
  illegalInvocation,
  requireArguments,
  toClampedUnsignedShort,
  toDOMString,
  toUSVString,
} from './webidl.js';

/** WebSockets §3.1: `enum BinaryType`. */
export type BinaryType = 'blob' | 'arraybuffer';

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;
type ReadyState = typeof CONNECTING | typeof OPEN | typeof CLOSING | typeof CLOSED;

/** Runs `task` as a task of the WebSocket task source (WebSockets §4). */
function queueTask(task: () => void): void {
  setImmediate(task);
}

/**
 * Runs a message task and, after the last one pending, lets the writes its listeners made go.
 * Queued with setImmediate and its arguments: no closure per message. Set in the class's static
 * block, which can reach its private members.
 */
let runMessageTask: (ws: WebSocket, data: Buffer, binary: boolean) => void;

/** The WebSockets whose messages left in this turn of the event loop; settleSent runs after it. */
const sentPending: WebSocket[] = [];
let settleSent: () => void;

/** A connection that could not be established, or that was aborted, never says why (§4). */
function closedWhileConnecting(): DOMException {
  return new DOMException(
    'WebSocket was closed before the connection was established',
    'AbortError',
  );
}

/** The type of an `on…` attribute (any object may be assigned at run time; see EventHandlers). */
export type EventHandler<E extends Event> = ((this: WebSocket, event: E) => unknown) | null;

/** The events a WebSocket dispatches, for typed listeners (as the DOM's WebSocketEventMap). */
export interface WebSocketEventMap {
  open: Event;
  message: MessageEvent;
  error: Event;
  close: CloseEvent;
}

// Spelled out rather than taken from the DOM lib, so that the published types need only
// @types/node.
type Listener = ((event: Event) => unknown) | { handleEvent(event: Event): unknown } | null;
type ListenerOptions =
  | boolean
  | { capture?: boolean; once?: boolean; passive?: boolean; signal?: AbortSignal };

// Typed overloads of the inherited EventTarget methods, merged into the class's type.
export interface WebSocket {
  addEventListener<K extends keyof WebSocketEventMap>(
    type: K,
    listener: (this: WebSocket, event: WebSocketEventMap[K]) => unknown,
    options?: ListenerOptions,
  ): void;
  addEventListener(type: string, listener: Listener, options?: ListenerOptions): void;
  removeEventListener<K extends keyof WebSocketEventMap>(
    type: K,
    listener: (this: WebSocket, event: WebSocketEventMap[K]) => unknown,
    options?: boolean | { capture?: boolean },
  ): void;
  removeEventListener(
    type: string,
    listener: Listener,
    options?: boolean | { capture?: boolean },
  ): void;
}

// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface above only adds overloads of inherited methods.
export class WebSocket extends EventTarget {
  declare static readonly CONNECTING: 0;
  declare static readonly OPEN: 1;
  declare static readonly CLOSING: 2;
  declare static readonly CLOSED: 3;
  declare readonly CONNECTING: 0;
  declare readonly OPEN: 1;
  declare readonly CLOSING: 2;
  declare readonly CLOSED: 3;
  // Event handler IDL attributes (§3.1), defined on the prototype in the static block below.
  declare onopen: EventHandler<Event>;
  declare onmessage: EventHandler<MessageEvent>;
  declare onerror: EventHandler<Event>;
  declare onclose: EventHandler<CloseEvent>;

  readonly #url: URL;
  readonly #options: WebSocketOptions;
  readonly #handlers: EventHandlers;
  #readyState: ReadyState = CONNECTING;
  #binaryType: BinaryType = 'blob';
  #protocol = '';
  #extensions = '';
  #bufferedAmount = 0;
  /** Bytes that left since the last task: subtracted from bufferedAmount by the next one. */
  #sentSinceTask = 0;
  /** The lengths of the messages written whose write callback has not run yet, oldest first. */
  readonly #writtenLengths: number[] = [];
  #dialing: Dialing | null = null;
  #transport: SocketTransport | null = null;
  #queue: SendQueue | null = null;
  /** The open task has run: RFC 6455 "the WebSocket connection is established". */
  #established = false;
  /** RFC 6455 §7.1.3 "the WebSocket closing handshake is started" (or the connection failed). */
  #closeStarted = false;
  /** RFC 6455 §7.1.7: the connection was failed; the close task fires `error` first. */
  #failed = false;
  /** The cause of the failure or abnormal closure, for the onDiagnostic option. */
  #diagnostic: Error | null = null;
  /** Message tasks queued and not yet run; while there are any, the transport holds writes. */
  #pendingMessages = 0;
  #holdingWrites = false;
  /** The URL's origin, serialized once for every MessageEvent. */
  #origin = '';

  /**
   * `new WebSocket(url, protocols)` (WebSockets §3.1). The second argument may also be a
   * WebSocketOptions object. Throws a SyntaxError DOMException for a bad URL or subprotocol and a
   * TypeError for a bad option; the connection starts after the constructor returns.
   */
  // Defaults of undefined keep `length` at the Web IDL count of required arguments.
  constructor(
    url: string | URL,
    protocols: string | Iterable<string> | WebSocketOptions | undefined = undefined,
  ) {
    // biome-ignore lint/complexity/noArguments: Web IDL counts the arguments actually passed.
    requireArguments(arguments.length, 1, "Failed to construct 'WebSocket'");
    const urlString = toUSVString(url);
    const init = readSecondArgument(protocols);
    super();
    // Steps 1–7.
    const urlRecord = parseWebSocketURL(urlString);
    // Steps 8–9.
    checkProtocols(init.protocols);
    // Step 10.
    this.#url = urlRecord;
    this.#origin = urlRecord.origin;
    this.#options = init.options;
    this.#handlers = new EventHandlers(this);
    // Step 12: in parallel, establish a WebSocket connection. The request is built now so that a
    // header the caller may not set throws here.
    const handshake = prepareHandshake(urlRecord, init.protocols, init.options);
    process.nextTick(() => {
      if (this.#failed) return;
      try {
        this.#dialing = dial(handshake, this.#options, {
          onEstablished: (established) => this.#onEstablished(established),
          onFail: (error) => this.#failConnecting(error),
        });
      } catch (error) {
        this.#failConnecting(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  /** The URL, serialized, after the http(s) → ws(s) mapping. */
  get url(): string {
    if (!(#url in this)) throw illegalInvocation();
    return this.#url.href;
  }

  get readyState(): number {
    if (!(#url in this)) throw illegalInvocation();
    return this.#readyState;
  }

  /** Bytes of application data sent and not yet handed to the network (no framing overhead). */
  get bufferedAmount(): number {
    if (!(#url in this)) throw illegalInvocation();
    return this.#bufferedAmount;
  }

  /** The extensions the server selected (`permessage-deflate; …`), '' for none. */
  get extensions(): string {
    if (!(#url in this)) throw illegalInvocation();
    return this.#extensions;
  }

  /** The subprotocol the server selected, '' for none. */
  get protocol(): string {
    if (!(#url in this)) throw illegalInvocation();
    return this.#protocol;
  }

  get binaryType(): BinaryType {
    if (!(#url in this)) throw illegalInvocation();
    return this.#binaryType;
  }

  /** Web IDL enumeration attribute: a value outside the enumeration is ignored. */
  set binaryType(value: BinaryType) {
    if (!(#url in this)) throw illegalInvocation();
    const type = toDOMString(value);
    if (type === 'blob' || type === 'arraybuffer') this.#binaryType = type;
  }

  static {
    settleSent = () => {
      for (const ws of sentPending) {
        ws.#bufferedAmount -= ws.#sentSinceTask;
        ws.#sentSinceTask = 0;
      }
      sentPending.length = 0;
    };
    runMessageTask = (ws, data, binary) => {
      try {
        ws.#messageTask(data, binary);
      } finally {
        if (--ws.#pendingMessages === 0 && ws.#holdingWrites) {
          ws.#holdingWrites = false;
          ws.#transport!.releaseWrites();
        }
      }
    };
    defineEventHandlers(WebSocket.prototype, ['open', 'error', 'close', 'message'], (target) => {
      if (!(#handlers in target)) throw illegalInvocation();
      return target.#handlers;
    });
  }

  /** `close(code, reason)` (WebSockets §3.1). */
  close(code: number | undefined = undefined, reason: string | undefined = undefined): void {
    if (!(#url in this)) throw illegalInvocation();
    // Web IDL: an optional argument given as undefined is missing.
    const closeCode = code === undefined ? undefined : toClampedUnsignedShort(code);
    const closeReason = reason === undefined ? undefined : toUSVString(reason);
    // Step 1.
    if (
      closeCode !== undefined &&
      closeCode !== 1000 &&
      !(closeCode >= 3000 && closeCode <= 4999)
    ) {
      throw new DOMException(
        `The close code must be 1000 or in 3000–4999, not ${closeCode}`,
        'InvalidAccessError',
      );
    }
    // Step 2.
    if (closeReason !== undefined && Buffer.byteLength(closeReason) > 123) {
      throw syntaxError('The close reason must not be longer than 123 bytes of UTF-8');
    }
    // Step 3, the first matching case.
    if (this.#readyState === CLOSING || this.#readyState === CLOSED) return;
    if (!this.#established) {
      this.#failConnecting(closedWhileConnecting());
      this.#readyState = CLOSING;
      return;
    }
    if (!this.#closeStarted) {
      this.#closeStarted = true;
      // No code and no reason: a Close frame without a body. A reason needs a code (RFC 6455
      // §5.5.1), and 1000 is the one a code-less close() means.
      const wireCode = closeCode ?? (closeReason ? 1000 : undefined);
      this.#queue!.addClose(wireCode, closeReason ?? '');
    }
    this.#readyState = CLOSING;
  }

  /** `send(data)` (WebSockets §3.1). */
  send(data: string | ArrayBuffer | ArrayBufferView | Blob): void {
    if (!(#url in this)) throw illegalInvocation();
    // biome-ignore lint/complexity/noArguments: Web IDL counts the arguments actually passed.
    requireArguments(arguments.length, 1, "Failed to execute 'send' on 'WebSocket'");
    const message = toSendData(data);
    // Step 1.
    if (this.#readyState === CONNECTING) {
      throw new DOMException('Still in CONNECTING state', 'InvalidStateError');
    }
    // Step 2: send only while established and before the closing handshake; count it always.
    const canSend = this.#established && !this.#closeStarted;
    if (typeof message === 'string') {
      const length = Buffer.byteLength(message);
      this.#bufferedAmount += length;
      if (canSend) this.#queue!.add(message, false, length);
    } else if (message instanceof Blob) {
      this.#bufferedAmount += message.size;
      if (canSend) this.#queue!.addBlob(message);
    } else {
      this.#bufferedAmount += message.byteLength;
      if (canSend) this.#queue!.add(message, true, message.byteLength);
    }
  }

  // ---- the connection ----

  /** RFC 6455 §4.1: the handshake succeeded. The transport starts reading at once. */
  #onEstablished({ socket, head, protocol, deflate }: Established): void {
    this.#dialing = null;
    // RFC 6455 §4.1 /Extensions In Use/: the response's Sec-WebSocket-Extensions, which can only
    // hold the agreed permessage-deflate element (written out again, as Chromium reports it).
    const extensions = deflate === null ? '' : deflate.header;
    // WebSockets §4: queue a task to handle connection establishment. It is queued before the
    // transport exists so that it precedes the tasks of any frame already in `head`.
    queueTask(() => this.#openTask(protocol, extensions));
    // The queue exists before the transport, which may report a Close frame from `head` at once.
    this.#queue = new SendQueue(this.#sendTarget());
    const options = this.#options;
    this.#transport = new SocketTransport(
      socket,
      this.#transportHandler(),
      {
        role: 'client',
        ...(deflate === null ? {} : { extensions: { deflate } }),
        ...(options.maxPayload === undefined ? {} : { maxPayload: options.maxPayload }),
        ...(options.closeTimeout === undefined ? {} : { closeTimeout: options.closeTimeout }),
      },
      head,
    );
  }

  /**
   * RFC 6455 §7.1.7 "Fail the WebSocket Connection" before it is established: a failed dial, an
   * abort, a timeout or close(). The close task follows, with `error` before `close`.
   */
  #failConnecting(error: Error): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#closeStarted = true;
    this.#diagnostic ??= error;
    if (this.#transport !== null) {
      // Upgraded, but the open task has not run: drop the socket; its close queues the task.
      this.#transport.terminate();
      return;
    }
    const dialing = this.#dialing;
    this.#dialing = null;
    dialing?.abort(error);
    queueTask(() => this.#closeTask(1006, '', false));
  }

  #transportHandler(): TransportHandler {
    return {
      onMessage: (data, binary) => {
        // What the listeners of this read's messages send leaves together, after the last of
        // them (the frames of a head read during the constructor are not held).
        if (this.#pendingMessages++ === 0 && this.#transport !== null) {
          this.#transport.holdWrites();
          this.#holdingWrites = true;
        }
        setImmediate(runMessageTask, this, data, binary);
      },
      onPing: () => {},
      onPong: () => {},
      onDrain: () => {},
      onPeerClose: () => {
        this.#closeStarted = true;
        this.#queue?.stop();
        queueTask(() => this.#closingTask());
      },
      onError: (error) => {
        this.#diagnostic ??= error;
        if (!(error instanceof ProtocolError)) return;
        // The engine failed the connection (§7.1.7) and sent its Close frame.
        this.#failed = true;
        this.#closeStarted = true;
        this.#queue?.stop();
        queueTask(() => this.#closingTask());
      },
      onClose: (code, reason, wasClean) => {
        this.#closeStarted = true;
        this.#queue?.stop();
        queueTask(() => this.#closeTask(code, reason, wasClean));
      },
    };
  }

  #sendTarget(): SendTarget {
    return {
      writeMessage: (data, binary, length) => {
        const transport = this.#transport!;
        if (transport.engine.state !== 'open') return;
        transport.send(data, binary, true, this.#onWritten);
        this.#writtenLengths.push(length);
      },
      writeClose: (code, reason) => {
        const transport = this.#transport!;
        if (transport.engine.state === 'open') transport.close(code, reason);
      },
      onBlobError: (error) => {
        this.#diagnostic ??= error;
        this.#transport?.fail(1011, 'a Blob could not be read');
      },
    };
  }

  /**
   * The write callback of every message: callbacks run in the order of the writes, so the
   * message is the oldest in #writtenLengths.
   */
  readonly #onWritten = (error?: Error | null): void => {
    const length = this.#writtenLengths.shift()!;
    if (error) return;
    // bufferedAmount falls between tasks, never during one (§3.1 bufferedAmount): one task for
    // every WebSocket that sent something in this turn.
    if (this.#sentSinceTask === 0 && sentPending.push(this) === 1) setImmediate(settleSent);
    this.#sentSinceTask += length;
  };

  // ---- tasks (WebSockets §4 "Feedback from the protocol") ----

  #openTask(protocol: string, extensions: string): void {
    // close() came first and failed the connection: no open event.
    if (this.#readyState !== CONNECTING) return;
    this.#established = true;
    // Step 1.
    this.#readyState = OPEN;
    // Steps 2–3.
    this.#extensions = extensions;
    this.#protocol = protocol;
    // Step 4.
    this.dispatchEvent(new Event('open'));
  }

  #messageTask(data: Buffer, binary: boolean): void {
    // Step 1.
    if (this.#readyState !== OPEN) return;
    // Step 2: by the type and the binary type as this task runs.
    let dataForEvent: string | Blob | ArrayBuffer;
    // toString() without an encoding is UTF-8, minus the encoding lookup.
    if (!binary) dataForEvent = data.toString();
    else if (this.#binaryType === 'blob')
      dataForEvent = new Blob([data as Uint8Array<ArrayBuffer>]);
    else dataForEvent = toArrayBuffer(data);
    // Step 3.
    this.dispatchEvent(new MessageEvent('message', { data: dataForEvent, origin: this.#origin }));
  }

  /** RFC 6455 §7.1.3: the closing handshake has started. */
  #closingTask(): void {
    if (this.#readyState !== CLOSED) this.#readyState = CLOSING;
  }

  /** RFC 6455 §7.1.4: the connection is closed. */
  #closeTask(code: number, reason: string, wasClean: boolean): void {
    // A connection failed even after its TCP connection ended (close() before the open task)
    // reports what any failure does (§4 warning): 1006, not clean, no reason.
    const failed = this.#failed;
    // Step 1.
    this.#readyState = CLOSED;
    if (this.#diagnostic !== null && this.#options.onDiagnostic !== undefined) {
      reportErrors(this.#options.onDiagnostic, this.#diagnostic);
    }
    // Step 2.
    if (failed) this.dispatchEvent(new Event('error'));
    // Step 3.
    const init = failed ? { wasClean: false, code: 1006, reason: '' } : { wasClean, code, reason };
    this.dispatchEvent(new CloseEvent('close', init));
  }
}

/** Calls a user's hook; what it throws is reported as an uncaught exception, after this task. */
function reportErrors(hook: (error: Error) => void, error: Error): void {
  try {
    hook(error);
  } catch (thrown) {
    process.nextTick(() => {
      throw thrown;
    });
  }
}

defineInterface(
  WebSocket,
  'WebSocket',
  ['url', 'readyState', 'bufferedAmount', 'extensions', 'protocol', 'close', 'binaryType', 'send'],
  { CONNECTING, OPEN, CLOSING, CLOSED },
);
