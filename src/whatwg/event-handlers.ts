/**
 * Event handler IDL attributes (`onopen`, `onmessage`, …), HTML §8.1.8.1. Each attribute owns
 * one listener, added to the target the first time a value is set: assigning another function
 * later keeps the listener's place among the others; assigning null removes it, and a later
 * value is added at the end. Web IDL [LegacyTreatNonObjectAsNull]: any object may be assigned and
 * is returned as it was; one that is not callable is never called.
 */

export class EventHandlers {
  private readonly target: EventTarget;
  private readonly values = new Map<string, object>();
  private readonly listeners = new Map<string, (event: Event) => void>();

  constructor(target: EventTarget) {
    this.target = target;
  }

  get(type: string): object | null {
    return this.values.get(type) ?? null;
  }

  /** The attribute setter. Web IDL: a value that is not an object (a string, a number) is null. */
  set(type: string, value: unknown): void {
    if ((typeof value !== 'object' || value === null) && typeof value !== 'function') {
      // HTML "deactivate an event handler".
      this.values.delete(type);
      const listener = this.listeners.get(type);
      if (listener !== undefined) {
        this.listeners.delete(type);
        this.target.removeEventListener(type, listener);
      }
      return;
    }
    this.values.set(type, value);
    if (!this.listeners.has(type)) {
      // HTML "activate an event handler": the listener reads the handler when it runs.
      const listener = (event: Event): void => this.invoke(type, event);
      this.listeners.set(type, listener);
      this.target.addEventListener(type, listener);
    }
  }

  /** HTML "the event handler processing algorithm". */
  private invoke(type: string, event: Event): void {
    const callback = this.values.get(type);
    // Web IDL "invoke a callback function": an object that is not callable does nothing.
    if (typeof callback !== 'function') return;
    // The callback's `this` is the event's currentTarget: the target, which has no parents.
    const result: unknown = Reflect.apply(callback, this.target, [event]);
    if (result === false) event.preventDefault();
  }
}

/**
 * Defines `on${type}` accessors, enumerable and configurable as Web IDL attributes are, on an
 * interface prototype. `handlersOf` brand-checks the receiver and returns its handlers.
 */
export function defineEventHandlers(
  proto: object,
  types: readonly string[],
  handlersOf: (target: object) => EventHandlers,
): void {
  for (const type of types) {
    const name = `on${type}`;
    function get(this: object): object | null {
      return handlersOf(this).get(type);
    }
    function set(this: object, value: unknown): void {
      handlersOf(this).set(type, value);
    }
    // Web IDL §3.7.6: the accessor functions are named "get onopen" and "set onopen".
    Object.defineProperty(get, 'name', { value: `get ${name}` });
    Object.defineProperty(set, 'name', { value: `set ${name}` });
    Object.defineProperty(proto, name, { get, set, enumerable: true, configurable: true });
  }
}
