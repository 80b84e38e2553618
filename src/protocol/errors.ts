/**
 * Errors are data: a peer's protocol violation is a ProtocolError that carries the close code
 * the RFC names and a stable string code; the engine turns it into a failure in one place.
 * The caller's misuse is a UsageError, thrown synchronously and never sent to the peer.
 */

/** Close codes with which the engine fails a connection (RFC 6455 §7.4.1). */
export type FailureCloseCode = 1002 | 1007 | 1008 | 1009 | 1010 | 1011;

export type ProtocolErrorCode =
  | 'WS_ERR_UNEXPECTED_MASK'
  | 'WS_ERR_EXPECTED_MASK'
  | 'WS_ERR_UNEXPECTED_RSV'
  | 'WS_ERR_INVALID_OPCODE'
  | 'WS_ERR_FRAGMENTED_CONTROL'
  | 'WS_ERR_CONTROL_TOO_LONG'
  | 'WS_ERR_UNEXPECTED_CONTINUATION'
  | 'WS_ERR_EXPECTED_CONTINUATION'
  | 'WS_ERR_NON_MINIMAL_LENGTH'
  | 'WS_ERR_LENGTH_TOP_BIT'
  | 'WS_ERR_MESSAGE_TOO_BIG'
  | 'WS_ERR_INVALID_UTF8'
  | 'WS_ERR_INVALID_CLOSE_CODE'
  | 'WS_ERR_INVALID_CLOSE_PAYLOAD'
  | 'WS_ERR_DATA_AFTER_CLOSE'
  | 'WS_ERR_INVALID_COMPRESSED_DATA'
  | 'WS_ERR_EXTENSION'
  | 'WS_ERR_POLICY'
  | 'WS_ERR_INTERNAL';

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  constructor(
    /** The close code sent to the peer. */
    readonly closeCode: FailureCloseCode,
    /** A stable identifier for programs. */
    readonly code: ProtocolErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export type UsageErrorCode =
  | 'WS_USAGE_NOT_OPEN'
  | 'WS_USAGE_INVALID_CLOSE_CODE'
  | 'WS_USAGE_REASON_TOO_LONG'
  | 'WS_USAGE_CONTROL_TOO_LONG'
  | 'WS_USAGE_FRAGMENT_MISMATCH'
  | 'WS_USAGE_INVALID_OPTION';

/** The caller used the API in a way the protocol forbids. Thrown synchronously. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    readonly code: UsageErrorCode,
    message: string,
  ) {
    super(message);
  }
}
