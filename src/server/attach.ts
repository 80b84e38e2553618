import type { Server as HttpServer, IncomingMessage } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { refuseSocket } from './upgrade.js';

/** A WebSocket server as the HTTP server's upgrade dispatch sees it. */
export interface Route {
  shouldHandle(request: IncomingMessage): boolean;
  upgrade(request: IncomingMessage, socket: Socket, head: Buffer): void;
}

interface Dispatch {
  readonly routes: Route[];
  readonly listener: (request: IncomingMessage, socket: Duplex, head: Buffer) => void;
}

// One 'upgrade' listener per HTTP server, shared by every WebSocketServer attached to it, so that
// the request a server's `path` does not match can go to the next one, and one that no server
// matches gets an answer instead of hanging.
const dispatches = new WeakMap<HttpServer | HttpsServer, Dispatch>();

export function attach(server: HttpServer | HttpsServer, route: Route): void {
  let dispatch = dispatches.get(server);
  if (dispatch === undefined) {
    const routes: Route[] = [];
    const listener = (request: IncomingMessage, duplex: Duplex, head: Buffer): void => {
      const socket = duplex as Socket;
      for (const r of routes) {
        if (r.shouldHandle(request)) {
          r.upgrade(request, socket, head);
          return;
        }
      }
      // Another 'upgrade' listener (another library) may own this path; it must answer then.
      // Otherwise no server serves the resource: 404 (RFC 6455 §4.2.1 /resource name/).
      if (server.listenerCount('upgrade') === 1) refuseSocket(socket, 404);
    };
    dispatch = { routes, listener };
    dispatches.set(server, dispatch);
    server.on('upgrade', listener);
  }
  dispatch.routes.push(route);
}

export function detach(server: HttpServer | HttpsServer, route: Route): void {
  const dispatch = dispatches.get(server);
  if (dispatch === undefined) return;
  const i = dispatch.routes.indexOf(route);
  if (i >= 0) dispatch.routes.splice(i, 1);
  if (dispatch.routes.length === 0) {
    server.removeListener('upgrade', dispatch.listener);
    dispatches.delete(server);
  }
}
