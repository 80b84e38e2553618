export type { AdapterHost, PubSubAdapter } from './adapter.js';
export { MAX_TOPIC_LENGTH, type PublishOptions } from './hub.js';
