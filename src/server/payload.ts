// Conversions between what users send and receive and what the engine takes and gives.

/** How binary messages are delivered, as in ws. Text messages are always a Buffer. */
export type BinaryType = 'nodebuffer' | 'arraybuffer' | 'fragments';
/** A received message: a Buffer, an ArrayBuffer or an array of Buffers, per `binaryType`. */
export type RawData = Buffer | ArrayBuffer | Buffer[];
/**
 * What `send` accepts. A number is sent as its decimal text, as ws does; an array of buffers (a
 * message received with binaryType 'fragments') is sent as one message.
 */
export type SendData = string | ArrayBufferLike | ArrayBufferView | readonly Uint8Array[] | number;
export type SendCallback = (error?: Error | null) => void;

/** A payload for the engine; views are wrapped, never copied (an array of several is joined). */
export function toPayload(data: SendData): Uint8Array | string {
  if (typeof data === 'string') return data;
  if (typeof data === 'number') return String(data);
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data))
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer || data instanceof SharedArrayBuffer) return new Uint8Array(data);
  if (Array.isArray(data)) {
    return data.length === 1 ? (data[0] as Uint8Array) : Buffer.concat(data as Uint8Array[]);
  }
  throw new TypeError(
    'data must be a string, a Buffer, an ArrayBuffer, an ArrayBufferView or an array of Buffers',
  );
}

export function byteLength(payload: Uint8Array | string): number {
  return typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength;
}

export function toBinaryType(data: Buffer, type: BinaryType): RawData {
  if (type === 'nodebuffer') return data;
  if (type === 'fragments') return [data];
  const { buffer, byteOffset, byteLength: length } = data;
  // A message that owns its whole ArrayBuffer is handed over as is; a view is copied out.
  return byteOffset === 0 && length === buffer.byteLength && buffer instanceof ArrayBuffer
    ? buffer
    : (buffer as ArrayBuffer).slice(byteOffset, byteOffset + length);
}
