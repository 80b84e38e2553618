import { STATUS_CODES } from 'node:http';

export interface UpgradeRejectionOptions {
  /** Extra response header fields, e.g. `WWW-Authenticate` with a 401. */
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  /** A short plain-text body; defaults to the status's reason phrase. */
  readonly body?: string;
}

/**
 * Thrown (or passed) by an `authenticate` or `verifyClient` hook to refuse an upgrade with a
 * chosen HTTP status (RFC 6455 §4.2.2 items 2–3: any 3xx–5xx, e.g. 401 with WWW-Authenticate, a
 * redirect with Location, 403, 429 with Retry-After). The connection ends after the response.
 */
export class UpgradeRejection extends Error {
  override readonly name = 'UpgradeRejection';
  readonly status: number;
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  readonly body: string;

  constructor(status: number, options: UpgradeRejectionOptions = {}) {
    if (!Number.isInteger(status) || status < 300 || status > 599) {
      throw new RangeError(`A rejection status must be an integer from 300 to 599, got ${status}`);
    }
    const reason = STATUS_CODES[status] ?? 'Rejected';
    super(`Upgrade rejected: ${status} ${reason}`);
    this.status = status;
    this.headers = options.headers ?? {};
    this.body = options.body ?? reason;
  }
}

export type SendErrorCode =
  /** The socket is closing or closed; nothing was sent. */
  | 'WS_SEND_NOT_OPEN'
  /** `backpressurePolicy: 'drop'`: the message was dropped, the peer reads too slowly. */
  | 'WS_SEND_DROPPED'
  /** `backpressurePolicy: 'close'`: the message was not sent and the connection is closing (1008). */
  | 'WS_SEND_BUFFER_FULL';

/** Passed to a send callback when a message was not sent. */
export class SendError extends Error {
  override readonly name = 'SendError';
  constructor(
    readonly code: SendErrorCode,
    message: string,
  ) {
    super(message);
  }
}
