/**
 * The event interfaces a WebSocket dispatches. `MessageEvent` is Node's own global (HTML
 * §9.2.3), so `event instanceof MessageEvent` holds in code written for the browser. Node has a
 * global `CloseEvent` from version 23; on older versions this module defines one to the
 * WebSockets Standard §6 "The CloseEvent interface".
 */
import {
  defineInterface,
  illegalInvocation,
  requireArguments,
  toDictionary,
  toDOMString,
  toUnsignedShort,
  toUSVString,
} from './webidl.js';

/** The `CloseEventInit` dictionary (WebSockets §6). */
export interface CloseEventInit extends EventInit {
  wasClean?: boolean;
  code?: number;
  reason?: string;
}

/** WebSockets §6: `interface CloseEvent : Event`. */
class CloseEventImpl extends Event {
  readonly #wasClean: boolean;
  readonly #code: number;
  readonly #reason: string;

  constructor(type: string, eventInitDict: CloseEventInit = {}) {
    // biome-ignore lint/complexity/noArguments: Web IDL counts the arguments actually passed.
    requireArguments(arguments.length, 1, "Failed to construct 'CloseEvent'");
    const name = toDOMString(type);
    // Web IDL §3.2.17: dictionary members are read once, inherited ones first, each in
    // lexicographic order.
    const init = toDictionary(eventInitDict, 'CloseEventInit');
    const bubbles = Boolean(init.bubbles);
    const cancelable = Boolean(init.cancelable);
    const composed = Boolean(init.composed);
    const code = init.code === undefined ? 0 : toUnsignedShort(init.code);
    const reason = init.reason === undefined ? '' : toUSVString(init.reason);
    const wasClean = Boolean(init.wasClean);
    super(name, { bubbles, cancelable, composed });
    this.#wasClean = wasClean;
    this.#code = code;
    this.#reason = reason;
  }

  /** True when the closing handshake completed and the TCP connection then ended. */
  get wasClean(): boolean {
    if (!(#wasClean in this)) throw illegalInvocation();
    return this.#wasClean;
  }

  /** The close code from the server's Close frame, 1005 without one, 1006 after a failure. */
  get code(): number {
    if (!(#code in this)) throw illegalInvocation();
    return this.#code;
  }

  /** The close reason from the server's Close frame. */
  get reason(): string {
    if (!(#reason in this)) throw illegalInvocation();
    return this.#reason;
  }
}

defineInterface(CloseEventImpl, 'CloseEvent', ['wasClean', 'code', 'reason']);
Object.defineProperty(CloseEventImpl, 'name', { value: 'CloseEvent' });

type CloseEventConstructor = typeof CloseEventImpl;

/** The `CloseEvent` constructor: Node's global one where it exists, this module's otherwise. */
export const CloseEvent: CloseEventConstructor =
  (globalThis as unknown as { CloseEvent?: CloseEventConstructor }).CloseEvent ?? CloseEventImpl;
export type CloseEvent = CloseEventImpl;

/** The `MessageEvent` constructor: Node's global one (HTML §9.2.3). */
export const MessageEvent: typeof globalThis.MessageEvent = globalThis.MessageEvent;
export type MessageEvent<T = unknown> = globalThis.MessageEvent<T>;
