// The one public barrel.

export type {
  PerMessageDeflateOptions,
  WebSocketOptions,
  WebSocketTlsOptions,
} from './client/options.js';
export { HandshakeError, type HandshakeErrorCode } from './handshake/errors.js';
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
export { CloseEvent, type CloseEventInit, MessageEvent } from './whatwg/events.js';
export { type BinaryType, WebSocket, type WebSocketEventMap } from './whatwg/websocket.js';
