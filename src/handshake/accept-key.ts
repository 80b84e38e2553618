import * as crypto from 'node:crypto';

/** RFC 6455 §1.3, §4.2.2 item 5.4: the GUID appended to the key before hashing. */
export const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

// The one-shot `crypto.hash` (Node 20.12 and later) makes no Hash object: createHash builds a
// stream object around a native context, per handshake, and takes twice as long.
const oneShot: typeof crypto.hash | undefined = crypto.hash;

/** RFC 6455 §4.2.2 item 5.4: base64(SHA-1(key + GUID)), the Sec-WebSocket-Accept value. */
export function computeAcceptKey(key: string): string {
  if (oneShot !== undefined) return oneShot('sha1', key + GUID, 'base64');
  return crypto
    .createHash('sha1')
    .update(key + GUID)
    .digest('base64');
}

/** RFC 6455 §4.1 item 7, §10.7: a fresh nonce of 16 bytes from the CSPRNG, base64-encoded. */
export function generateKey(): string {
  return crypto.randomBytes(16).toString('base64');
}

// 16 bytes encode to 22 base64 characters and "==" (RFC 4648 §4). Like ws and python-websockets,
// the 4 unused bits of the last character are not checked: the server never decodes the key
// (RFC 6455 §4.2.2 /key/), so a non-canonical encoding harms nothing.
const KEY = /^[A-Za-z0-9+/]{22}==$/;

/** RFC 6455 §4.2.1 item 5, §11.3.1: base64 that decodes to exactly 16 bytes. */
export function isValidKey(key: string): boolean {
  return KEY.test(key);
}
