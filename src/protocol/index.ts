export { CloseCode, isValidWireCloseCode } from './close-codes.js';
export { Connection, DEFAULT_MAX_PAYLOAD } from './connection.js';
export {
  type FailureCloseCode,
  ProtocolError,
  type ProtocolErrorCode,
  UsageError,
  type UsageErrorCode,
} from './errors.js';
export { FrameDecoder, type FrameHandler } from './frame-decoder.js';
export { encodeFrame, type FrameOptions } from './frame-encoder.js';
export { applyMask, writeMaskKey } from './mask.js';
export { isControlOpcode, isKnownOpcode, Opcode } from './opcodes.js';
export type {
  EngineEvent,
  EngineExtensions,
  EngineOptions,
  EngineSink,
  EngineState,
  Role,
  SendOptions,
} from './types.js';
export { isValidUtf8, Utf8Validator } from './utf8.js';
