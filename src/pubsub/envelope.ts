/**
 * The bytes a publish travels in between processes, binary-safe:
 *
 * | offset | size | field                                                      |
 * | -----: | ---: | ---------------------------------------------------------- |
 * |      0 |    1 | format version, 1                                          |
 * |      1 |    1 | flags: bit 0 set for a binary message, clear for text      |
 * |      2 |   16 | the publishing process's id (skipped by that process)     |
 * |     18 |    … | the payload, as published (text as UTF-8)                  |
 */

export const ENVELOPE_VERSION = 1;
export const PROCESS_ID_LENGTH = 16;
const HEADER_LENGTH = 2 + PROCESS_ID_LENGTH;
const BINARY = 0x01;

export interface Envelope {
  readonly origin: Buffer;
  readonly binary: boolean;
  readonly payload: Buffer;
}

/** Wraps a payload: one copy per publish (a broker takes one value). */
export function encodeEnvelope(origin: Buffer, binary: boolean, payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(HEADER_LENGTH + payload.length);
  out[0] = ENVELOPE_VERSION;
  out[1] = binary ? BINARY : 0;
  origin.copy(out, 2, 0, PROCESS_ID_LENGTH);
  out.set(payload, HEADER_LENGTH);
  return out;
}

/** Reads an envelope (views into `data`, no copy); null if it is not one this version wrote. */
export function decodeEnvelope(data: Buffer): Envelope | null {
  if (data.length < HEADER_LENGTH || data[0] !== ENVELOPE_VERSION) return null;
  return {
    origin: data.subarray(2, HEADER_LENGTH),
    binary: (data[1]! & BINARY) !== 0,
    payload: data.subarray(HEADER_LENGTH),
  };
}

/** True when the envelope in `data` was published by `origin` (no allocation). */
export function isFrom(data: Buffer, origin: Buffer): boolean {
  return data.length >= HEADER_LENGTH && origin.compare(data, 2, HEADER_LENGTH) === 0;
}
