// The one public barrel.

export type {
  WebSocketOptions,
  WebSocketTlsOptions,
} from './client/options.js';
export {
  acceptDeflateOffer,
  acceptDeflateResponse,
  DEFAULT_ZLIB_CONCURRENCY,
  type DeflateAcceptance,
  deflateOffer,
  type NegotiatedDeflate,
  PERMESSAGE_DEFLATE,
  type PerMessageDeflateOptions,
  type WindowBits,
  ZlibLimiter,
  zlibLimiter,
} from './extensions/index.js';
export { HandshakeError, type HandshakeErrorCode } from './handshake/errors.js';
export {
  CloseCode,
  Connection,
  DEFAULT_MAX_PAYLOAD,
  type EngineEvent,
  type EngineExtensions,
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
  type SendOptions,
  UsageError,
  type UsageErrorCode,
} from './protocol/index.js';
export * from './pubsub/index.js';
export * from './server/index.js';
export { CloseEvent, type CloseEventInit, MessageEvent } from './whatwg/events.js';
export { type BinaryType, WebSocket, type WebSocketEventMap } from './whatwg/websocket.js';
