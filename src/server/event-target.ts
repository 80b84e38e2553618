import type { EventEmitter } from 'node:events';

/**
 * A small EventTarget-style layer over the socket's EventEmitter events, for code written
 * against the browser API (`addEventListener`, `onmessage`, …), as ws offers. Event objects are
 * made only when such a listener is registered: plain `on('message')` users pay nothing.
 */

/** `type` and `target`, as DOM events have them. */
export class WsEvent<Target = unknown> {
  readonly type: string;
  readonly target: Target;
  constructor(type: string, target: Target) {
    this.type = type;
    this.target = target;
  }
}

export class WsMessageEvent<Target = unknown> extends WsEvent<Target> {
  /** A string for a text message; for binary, the socket's `binaryType` form. */
  readonly data: string | Buffer | ArrayBuffer | Buffer[];
  constructor(target: Target, data: string | Buffer | ArrayBuffer | Buffer[]) {
    super('message', target);
    this.data = data;
  }
}

export class WsCloseEvent<Target = unknown> extends WsEvent<Target> {
  readonly code: number;
  readonly reason: string;
  /** Both Close frames were exchanged (RFC 6455 §7.1.4). */
  readonly wasClean: boolean;
  constructor(target: Target, code: number, reason: string, wasClean: boolean) {
    super('close', target);
    this.code = code;
    this.reason = reason;
    this.wasClean = wasClean;
  }
}

export class WsErrorEvent<Target = unknown> extends WsEvent<Target> {
  readonly error: Error;
  readonly message: string;
  constructor(target: Target, error: Error) {
    super('error', target);
    this.error = error;
    this.message = error.message;
  }
}

export interface WsEventMap<Target> {
  open: WsEvent<Target>;
  message: WsMessageEvent<Target>;
  close: WsCloseEvent<Target>;
  error: WsErrorEvent<Target>;
}

export type WsEventListener<E> = ((event: E) => void) | { handleEvent(event: E): void };

export interface WsEventListenerOptions {
  /** Remove the listener after its first call. */
  readonly once?: boolean;
}

/** What the shim needs from its socket: its events, and whether its close was clean. */
export interface ShimTarget extends EventEmitter {
  readonly wasClean: boolean;
}

type EventType = 'open' | 'message' | 'close' | 'error';

// Symbols, so that no user function that happens to have such a property is taken for a wrapper.
const kListener = Symbol('listener');
const kAttribute = Symbol('attribute');
type Wrapper = ((...args: unknown[]) => void) & {
  [kListener]: WsEventListener<never>;
  [kAttribute]: boolean;
};

function call<E>(listener: WsEventListener<E>, target: unknown, event: E): void {
  if (typeof listener === 'function') listener.call(target, event);
  else listener.handleEvent.call(listener, event);
}

function wrap(target: ShimTarget, type: EventType, listener: WsEventListener<never>): Wrapper {
  const handler = listener as WsEventListener<WsEvent<ShimTarget>>;
  // The emitter's arguments, typed by ServerWebSocketEventMap.
  let wrapper: (...args: unknown[]) => void;
  switch (type) {
    case 'message':
      wrapper = (...args) => {
        const [data, isBinary] = args as [Buffer | ArrayBuffer | Buffer[], boolean];
        call(handler, target, new WsMessageEvent(target, isBinary ? data : String(data)));
      };
      break;
    case 'close':
      wrapper = (...args) => {
        const [code, reason] = args as [number, Buffer];
        call(handler, target, new WsCloseEvent(target, code, reason.toString(), target.wasClean));
      };
      break;
    case 'error':
      wrapper = (...args) => call(handler, target, new WsErrorEvent(target, args[0] as Error));
      break;
    default:
      wrapper = () => call(handler, target, new WsEvent(type, target));
  }
  return Object.assign(wrapper, { [kListener]: listener, [kAttribute]: false });
}

function wrappers(target: ShimTarget, type: EventType): Wrapper[] {
  return (target.listeners(type) as Partial<Wrapper>[]).filter(
    (l): l is Wrapper => typeof l === 'function' && l[kListener] !== undefined,
  );
}

export function addListener(
  target: ShimTarget,
  type: EventType,
  listener: WsEventListener<never>,
  options: WsEventListenerOptions = {},
  attribute = false,
): void {
  // As in the DOM, adding the same listener twice is a no-op.
  if (
    !attribute &&
    wrappers(target, type).some((w) => !w[kAttribute] && w[kListener] === listener)
  ) {
    return;
  }
  const wrapper = wrap(target, type, listener);
  wrapper[kAttribute] = attribute;
  if (options.once === true) target.once(type, wrapper);
  else target.on(type, wrapper);
}

export function removeListener(
  target: ShimTarget,
  type: EventType,
  listener: WsEventListener<never>,
): void {
  const found = wrappers(target, type).find((w) => !w[kAttribute] && w[kListener] === listener);
  if (found !== undefined) target.removeListener(type, found);
}

/** The `on<type>` attribute's value: the function set last, or null. */
export function getAttribute(target: ShimTarget, type: EventType): unknown {
  return wrappers(target, type).find((w) => w[kAttribute])?.[kListener] ?? null;
}

export function setAttribute(target: ShimTarget, type: EventType, value: unknown): void {
  for (const w of wrappers(target, type)) if (w[kAttribute]) target.removeListener(type, w);
  if (typeof value === 'function') {
    addListener(target, type, value as WsEventListener<never>, {}, true);
  }
}
