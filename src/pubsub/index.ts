export type { AdapterHost, PubSubAdapter } from './adapter.js';
export { decodeEnvelope, type Envelope, encodeEnvelope } from './envelope.js';
export { MAX_TOPIC_LENGTH, type PublishOptions } from './hub.js';
export {
  createRedisAdapter,
  PubSubError,
  type PubSubErrorCode,
  RedisAdapter,
  type RedisAdapterEventMap,
  type RedisAdapterOptions,
  type RedisAdapterStats,
} from './redis-adapter.js';
export type { RedisBufferListener, RedisClientLike } from './redis-client.js';
