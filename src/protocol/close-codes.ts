/**
 * Close status codes, RFC 6455 §7.4 and the IANA "WebSocket Close Code Number Registry".
 * One table: what each code means, and whether it may appear in a Close frame on the wire.
 */
export const CloseCode = {
  /** §7.4.1: the purpose of the connection has been fulfilled. */
  Normal: 1000,
  /** §7.4.1: the endpoint is going away (server shutdown, page navigation). */
  GoingAway: 1001,
  /** §7.4.1: the peer broke the protocol. */
  ProtocolError: 1002,
  /** §7.4.1: a data type the endpoint cannot accept. */
  UnsupportedData: 1003,
  /** §7.4.1: reserved, meaning to be defined; never on the wire. */
  Reserved: 1004,
  /** §7.4.1: "no status code was present"; reported locally, never sent. */
  NoStatus: 1005,
  /** §7.4.1: the connection closed without a Close frame; reported locally, never sent. */
  Abnormal: 1006,
  /** §7.4.1: data inconsistent with the message type (e.g. non-UTF-8 in a text message). */
  InvalidPayload: 1007,
  /** §7.4.1: the message violates the endpoint's policy. */
  PolicyViolation: 1008,
  /** §7.4.1: the message is too big to process. */
  MessageTooBig: 1009,
  /** §7.4.1: (client) the server did not negotiate a required extension. */
  MandatoryExtension: 1010,
  /** §7.4.1: (server) an unexpected condition prevented the request. */
  InternalError: 1011,
  /** IANA registry: the service is restarting. */
  ServiceRestart: 1012,
  /** IANA registry: temporary condition, try again later. */
  TryAgainLater: 1013,
  /** IANA registry: a gateway or proxy received an invalid response upstream. */
  BadGateway: 1014,
  /** §7.4.1: the TLS handshake failed; reported locally, never sent. */
  TlsHandshake: 1015,
} as const;

export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** Codes 1000–2999 that may appear in a Close frame (§7.4.1, §7.4.2, IANA registry). */
const WIRE_CODES: ReadonlySet<number> = new Set([
  1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014,
]);

/**
 * RFC 6455 §7.4.2: may this code appear in a Close frame?
 * 1000–2999 only as registered above (1004–1006 and 1015 never are; the rest is unassigned);
 * 3000–3999 are registered by libraries and frameworks, 4000–4999 are private use.
 */
export function isValidWireCloseCode(code: number): boolean {
  if (!Number.isInteger(code)) return false;
  if (code >= 3000 && code <= 4999) return true;
  return WIRE_CODES.has(code);
}
