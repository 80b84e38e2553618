// The one public barrel.
export {
  CloseCode,
  Connection,
  DEFAULT_MAX_PAYLOAD,
  type EngineEvent,
  type EngineOptions,
  type EngineSink,
  type EngineState,
  encodeFrame,
  type FailureCloseCode,
  FrameDecoder,
  type FrameHandler,
  type FrameOptions,
  isValidWireCloseCode,
  Opcode,
  ProtocolError,
  type ProtocolErrorCode,
  type Role,
  UsageError,
  type UsageErrorCode,
} from './protocol/index.js';
export * from './server/index.js';
