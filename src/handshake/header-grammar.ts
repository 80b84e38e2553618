import { HandshakeError, type HandshakeErrorCode, quoteForMessage } from './errors.js';

/** A header field as node delivers it: one string, one string per field line, or absent. */
export type FieldValue = string | readonly string[] | undefined;

/** Extension parameters in the order received, so callers can detect duplicates. */
export type ExtensionParams = ReadonlyArray<readonly [name: string, value: string | true]>;

/** One element of a Sec-WebSocket-Extensions list (RFC 6455 §9.1); names are lower-cased. */
export interface ExtensionOffer {
  readonly name: string;
  /** A parameter without a value has the value `true`; quoted values arrive unescaped. */
  readonly params: ExtensionParams;
}

const HTAB = 0x09;
const SP = 0x20;
const DQUOTE = 0x22;
const COMMA = 0x2c;
const SEMICOLON = 0x3b;
const EQUALS = 0x3d;
const BACKSLASH = 0x5c;

// RFC 9110 §5.6.2: tchar, as a lookup table over US-ASCII.
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") {
  TCHAR[c.charCodeAt(0)] = 1;
}

function isTchar(code: number): boolean {
  return code < 128 && TCHAR[code] === 1;
}

// RFC 9110 §5.6.3: OWS = *( SP / HTAB ). Not String#trim, which also strips CR, LF, NBSP, …
function isOWS(code: number): boolean {
  return code === SP || code === HTAB;
}

// RFC 9110 §5.5: field-vchar = VCHAR / obs-text. obs-text (0x80–0xFF) is left out of what we
// accept from callers, so the header block we write is plain ASCII whatever encoding is used.
function isFieldChar(code: number): boolean {
  return code === HTAB || (code >= SP && code <= 0x7e);
}

function isQuotedChar(code: number): boolean {
  return isFieldChar(code) || (code >= 0x80 && code <= 0xff);
}

/** RFC 9110 §5.6.2: `token = 1*tchar`. */
export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isTchar(s.charCodeAt(i))) return false;
  return true;
}

/** @internal Removes OWS (SP and HTAB only) from both ends. */
export function trimOWS(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isOWS(s.charCodeAt(start))) start++;
  while (end > start && isOWS(s.charCodeAt(end - 1))) end--;
  return s.slice(start, end);
}

/**
 * @internal RFC 6455 §2.1 "ASCII case-insensitive": only A–Z fold. String#toLowerCase would also
 * fold e.g. the Kelvin sign U+212A to "k", so "websoc\u212Aet" would match "websocket".
 */
export function asciiLowerCase(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/** @internal RFC 9110 §5.3: field lines of one name combine into one value, joined by commas. */
export function joinFieldLines(value: FieldValue): string | undefined {
  return typeof value === 'string' || value === undefined ? value : value.join(', ');
}

/** @internal Throws a TypeError unless `name: value` is a field line we may write (RFC 9110 §5). */
export function assertFieldLine(name: string, value: string): void {
  if (!isToken(name)) throw new TypeError(`Invalid header field name ${quoteForMessage(name)}`);
  for (let i = 0; i < value.length; i++) {
    if (!isFieldChar(value.charCodeAt(i))) {
      throw new TypeError(`Invalid character in the value of header field "${name}"`);
    }
  }
}

function splitTokens(value: string, code: HandshakeErrorCode, field: string): string[] {
  const out: string[] = [];
  for (const raw of value.split(',')) {
    const item = trimOWS(raw);
    // RFC 9110 §5.6.1.2: a recipient ignores empty list elements.
    if (item === '') continue;
    if (!isToken(item)) {
      throw new HandshakeError(code, `${field}: ${quoteForMessage(item)} is not a token`, {
        status: 400,
      });
    }
    out.push(item);
  }
  return out;
}

/** RFC 9110 §5.6.1: `#token`, OWS around elements, empty elements ignored. */
export function parseTokenList(value: string): string[] {
  return splitTokens(value, 'WS_HANDSHAKE_BAD_HEADER', 'Invalid header field');
}

/**
 * True if `token` is an element of the comma list, compared ASCII case-insensitively (RFC 6455
 * §4.2.1 items 3–4). Elements that are not tokens are skipped, not rejected: `Connection` often
 * carries other options, and only the presence of one element matters here.
 */
export function hasToken(value: FieldValue, token: string): boolean {
  if (value === undefined) return false;
  if (typeof value === 'string') return listHasToken(value, token);
  for (const line of value) if (listHasToken(line, token)) return true;
  return false;
}

// One field line, scanned in place: every handshake checks Upgrade and Connection, and splitting,
// trimming and lower-casing copies of the elements was most of what validating a request
// allocated.
function listHasToken(list: string, token: string): boolean {
  for (let start = 0; start <= list.length; ) {
    let end = list.indexOf(',', start);
    if (end === -1) end = list.length;
    let first = start;
    let last = end;
    while (first < last && isOWS(list.charCodeAt(first))) first++;
    while (last > first && isOWS(list.charCodeAt(last - 1))) last--;
    if (last - first === token.length && equalsAsciiCaseless(list, first, token)) return true;
    start = end + 1;
  }
  return false;
}

/** `token` equals `s` from `at` on, A–Z folded to a–z only (RFC 6455 §2.1). */
function equalsAsciiCaseless(s: string, at: number, token: string): boolean {
  for (let i = 0; i < token.length; i++) {
    if (foldAscii(s.charCodeAt(at + i)) !== foldAscii(token.charCodeAt(i))) return false;
  }
  return true;
}

function foldAscii(code: number): number {
  return code >= 0x41 && code <= 0x5a ? code | 0x20 : code;
}

/**
 * RFC 6455 §4.3, §11.3.4: `Sec-WebSocket-Protocol-Client = 1#token`; several field lines are one
 * list. Absent gives []. Subprotocol names are compared case-sensitively, so "chat" and "Chat"
 * are not duplicates.
 */
export function parseProtocols(value: FieldValue): string[] {
  const joined = joinFieldLines(value);
  if (joined === undefined) return [];
  const field = 'Invalid Sec-WebSocket-Protocol header';
  const protocols = splitTokens(joined, 'WS_HANDSHAKE_BAD_PROTOCOL', field);
  const fail = (why: string): never => {
    throw new HandshakeError('WS_HANDSHAKE_BAD_PROTOCOL', `${field}: ${why}`, { status: 400 });
  };
  if (protocols.length === 0) fail('empty list');
  const seen = new Set<string>();
  for (const protocol of protocols) {
    if (seen.has(protocol)) fail(`duplicate subprotocol ${quoteForMessage(protocol)}`);
    seen.add(protocol);
  }
  return protocols;
}

/**
 * RFC 6455 §9.1: parses `extension-list = 1#extension`, where
 * `extension = token *( OWS ";" OWS token [ OWS "=" OWS ( token / quoted-string ) ] )`.
 * Absent gives []; empty list elements are ignored (RFC 9110 §5.6.1.2).
 */
export function parseExtensions(value: FieldValue): ExtensionOffer[] {
  const s = joinFieldLines(value);
  // Apart: the parser's closures share a context that is made on entry, header or not.
  return s === undefined ? [] : parseExtensionList(s);
}

function parseExtensionList(s: string): ExtensionOffer[] {
  const n = s.length;
  let i = 0;

  const fail = (why: string, at = i): never => {
    throw new HandshakeError(
      'WS_HANDSHAKE_BAD_EXTENSIONS',
      `Invalid Sec-WebSocket-Extensions header: ${why} at index ${at}`,
      { status: 400 },
    );
  };
  const skipOWS = (): void => {
    while (i < n && isOWS(s.charCodeAt(i))) i++;
  };
  const readToken = (what: string): string => {
    const start = i;
    while (i < n && isTchar(s.charCodeAt(i))) i++;
    if (i === start)
      fail(i < n ? `expected ${what}, found ${quoteForMessage(s[i]!)}` : `expected ${what}`);
    return s.slice(start, i);
  };
  // RFC 9110 §5.6.4: quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE, where qdtext is
  // HTAB / SP / VCHAR / obs-text minus DQUOTE and "\", and quoted-pair = "\" any of those.
  const readQuoted = (): string => {
    const open = i++;
    let out = '';
    let start = i;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === DQUOTE) {
        out += s.slice(start, i++);
        return out;
      }
      if (c === BACKSLASH) {
        out += s.slice(start, i++);
        if (i >= n) break;
        if (!isQuotedChar(s.charCodeAt(i))) fail('invalid character after "\\"');
        start = i++;
        continue;
      }
      if (!isQuotedChar(c)) fail('invalid character in quoted-string');
      i++;
    }
    return fail('unterminated quoted-string', open);
  };

  const offers: ExtensionOffer[] = [];
  for (;;) {
    skipOWS();
    if (i >= n) break;
    if (s.charCodeAt(i) === COMMA) {
      i++;
      continue;
    }
    const name = readToken('an extension name');
    const params: [string, string | true][] = [];
    skipOWS();
    while (i < n && s.charCodeAt(i) === SEMICOLON) {
      i++;
      skipOWS();
      const param = readToken('a parameter name');
      skipOWS();
      let paramValue: string | true = true;
      if (i < n && s.charCodeAt(i) === EQUALS) {
        i++;
        skipOWS();
        if (i < n && s.charCodeAt(i) === DQUOTE) {
          const at = i;
          paramValue = readQuoted();
          // RFC 6455 §9.1: the unescaped value MUST itself be a token.
          if (!isToken(paramValue)) fail('quoted parameter value is not a token', at);
        } else {
          paramValue = readToken('a parameter value');
        }
        skipOWS();
      }
      params.push([asciiLowerCase(param), paramValue]);
    }
    if (i < n && s.charCodeAt(i) !== COMMA) fail(`unexpected ${quoteForMessage(s[i]!)}`);
    offers.push({ name: asciiLowerCase(name), params });
  }
  if (offers.length === 0) fail('empty list', 0);
  return offers;
}

// RFC 9110 §5.6.4: a quoted-string escapes only DQUOTE and "\"; CR, LF and other controls cannot
// be carried at all.
function quoteString(value: string): string {
  for (let i = 0; i < value.length; i++) {
    if (!isFieldChar(value.charCodeAt(i))) {
      throw new TypeError(`Extension parameter value ${quoteForMessage(value)} cannot be quoted`);
    }
  }
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

/**
 * Writes a Sec-WebSocket-Extensions value (RFC 6455 §9.1): `name; param=value, …`, quoting values
 * that are not tokens. Such a value is valid HTTP but not valid §9.1, so a peer (and
 * `parseExtensions`) rejects it: extensions should only use token values. Throws a TypeError for a
 * name that is not a token or a value that cannot be quoted.
 */
export function formatExtensions(offers: readonly ExtensionOffer[]): string {
  const parts: string[] = [];
  for (const offer of offers) {
    if (!isToken(offer.name)) {
      throw new TypeError(`Extension name ${quoteForMessage(offer.name)} is not a token`);
    }
    let part = offer.name;
    for (const [name, value] of offer.params) {
      if (!isToken(name)) {
        throw new TypeError(`Extension parameter name ${quoteForMessage(name)} is not a token`);
      }
      part += `; ${name}`;
      if (value !== true) part += `=${isToken(value) ? value : quoteString(value)}`;
    }
    parts.push(part);
  }
  return parts.join(', ');
}
