/**
 * The few Web IDL conversions and property shapes the WebSocket facade needs (WHATWG Web IDL
 * §3.2 "JavaScript type mapping", §3.7 "Interface objects"). Each helper throws the TypeError
 * that a browser throws for the same misuse.
 */

/** Web IDL §3.2.10 DOMString: ToString, which throws for a Symbol (String(symbol) would not). */
export function toDOMString(value: unknown): string {
  if (typeof value === 'symbol') throw new TypeError('Cannot convert a Symbol value to a string');
  return `${value as string}`;
}

// A lone surrogate: a high one not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Web IDL §3.2.12 USVString: a DOMString whose lone surrogates become U+FFFD. */
export function toUSVString(value: unknown): string {
  return toDOMString(value).replace(LONE_SURROGATE, '\uFFFD');
}

/** ECMAScript ToNumber, as Web IDL uses it: a Symbol or a BigInt is a TypeError. */
function toNumber(value: unknown): number {
  if (typeof value === 'bigint') throw new TypeError('Cannot convert a BigInt value to a number');
  return Number(value as number);
}

/** Web IDL §3.2.4.8 `[Clamp] unsigned short`: clamp to 0–65535, rounding half to even. */
export function toClampedUnsignedShort(value: unknown): number {
  const x = toNumber(value);
  if (Number.isNaN(x)) return 0;
  const clamped = Math.min(Math.max(x, 0), 65535);
  const floor = Math.floor(clamped);
  const diff = clamped - floor;
  if (diff < 0.5) return floor;
  if (diff > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Web IDL §3.2.4.8 `unsigned short` (no extended attribute): modulo 2^16 after truncation. */
export function toUnsignedShort(value: unknown): number {
  const x = toNumber(value);
  if (!Number.isFinite(x)) return 0;
  const truncated = Math.trunc(x);
  return ((truncated % 65536) + 65536) % 65536;
}

/** Web IDL §3.2.3 dictionaries: undefined and null are an empty dictionary, other non-objects throw. */
export function toDictionary(value: unknown, name: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' && typeof value !== 'function') {
    throw new TypeError(`The provided value is not of type '${name}'`);
  }
  return value as Record<string, unknown>;
}

/** Web IDL §3.7.7 (overload resolution): too few arguments is a TypeError. */
export function requireArguments(count: number, required: number, context: string): void {
  if (count < required) {
    throw new TypeError(
      `${context}: ${required} argument${required === 1 ? '' : 's'} required, but only ${count} present`,
    );
  }
}

/** Web IDL §3.7 "[[brand]] checks": a getter or operation called on the wrong object. */
export function illegalInvocation(): TypeError {
  return new TypeError('Illegal invocation');
}

/**
 * Web IDL §3.7.3 and §3.7.6: regular attributes and operations are enumerable (class syntax makes
 * them non-enumerable), constants are read-only, enumerable and non-configurable on both the
 * interface object and its prototype, and the prototype has a @@toStringTag.
 */
export function defineInterface(
  ctor: { prototype: object },
  name: string,
  members: readonly string[],
  constants: Readonly<Record<string, number>> = {},
): void {
  const proto = ctor.prototype;
  for (const member of members) {
    const descriptor = Object.getOwnPropertyDescriptor(proto, member);
    if (descriptor === undefined) throw new Error(`${name}.prototype.${member} is not defined`);
    Object.defineProperty(proto, member, { ...descriptor, enumerable: true });
  }
  for (const [constant, value] of Object.entries(constants)) {
    const descriptor = { value, writable: false, enumerable: true, configurable: false };
    Object.defineProperty(ctor, constant, descriptor);
    Object.defineProperty(proto, constant, descriptor);
  }
  Object.defineProperty(proto, Symbol.toStringTag, {
    value: name,
    writable: false,
    enumerable: false,
    configurable: true,
  });
}
