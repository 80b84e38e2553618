import type { TransportHandler } from '../../src/transport/socket-transport.js';

/** A transport handler that ignores every event but those given. */
export function handlerWith(events: Partial<TransportHandler>): TransportHandler {
  return {
    onMessage: () => {},
    onPing: () => {},
    onPong: () => {},
    onPeerClose: () => {},
    onError: () => {},
    onClose: () => {},
    onDrain: () => {},
    ...events,
  };
}
