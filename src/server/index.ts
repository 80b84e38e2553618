export {
  SendError,
  type SendErrorCode,
  UpgradeRejection,
  type UpgradeRejectionOptions,
} from './errors.js';
export {
  WsCloseEvent,
  WsErrorEvent,
  WsEvent,
  type WsEventListener,
  type WsEventListenerOptions,
  type WsEventMap,
  WsMessageEvent,
} from './event-target.js';
export type {
  BackpressurePolicy,
  HeartbeatOptions,
  VerifyClient,
  VerifyClientDone,
  VerifyClientInfo,
  WebSocketServerOptions,
} from './options.js';
export { type OriginAllowListOptions, type OriginCheck, originAllowList } from './origin.js';
export {
  type BinaryType as ServerBinaryType,
  type RawData,
  type SendCallback,
  type SendData,
  type SendOptions as ServerSendOptions,
  ServerWebSocket,
  type ServerWebSocketEventMap,
} from './server-websocket.js';
export type { ConnectionCallback } from './upgrade.js';
export {
  type ServerCloseCallback,
  type ServerCloseOptions,
  WebSocketServer,
  type WebSocketServerEventMap,
} from './websocket-server.js';
