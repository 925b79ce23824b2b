/**
 * GET /ws: the WebSocket endpoint of the access layer (protocol: docs/websocket.md).
 * One timer for all clients drains their queues and one pings them, rather than timers
 * per client: a thousand clients cost two timers. A client that has not answered a ping
 * for HEARTBEAT_TIMEOUT_MS is closed.
 */
import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import type { AccessLayer } from '../access/access-layer.js';
import { HEARTBEAT_INTERVAL_MS, MAX_FRAME_BYTES } from './protocol.js';
import { WsSession } from './session.js';

export interface WsRouteOptions {
  access: AccessLayer;
  heartbeatMs?: number;
  queue?: { maxQueued?: number; maxBufferedBytes?: number };
}

const DRAIN_MS = 20;

export async function wsRoute(app: FastifyInstance, options: WsRouteOptions): Promise<void> {
  // Frames up to 16× the protocol's limit reach the parser, which answers "too large" and keeps
  // the connection; beyond that ws closes it (1009), so nobody makes the server buffer megabytes.
  await app.register(websocket, { options: { maxPayload: 16 * MAX_FRAME_BYTES } });
  const sessions = new Set<WsSession>();
  const drain = setInterval(() => {
    for (const session of sessions) if (session.queue.size > 0) session.queue.drain();
  }, DRAIN_MS);
  const heartbeat = setInterval(() => {
    for (const session of sessions) session.heartbeat();
  }, options.heartbeatMs ?? HEARTBEAT_INTERVAL_MS);
  drain.unref();
  heartbeat.unref();
  app.addHook('onClose', async () => {
    clearInterval(drain);
    clearInterval(heartbeat);
    for (const session of sessions) session.terminate();
  });
  app.get('/ws', { websocket: true }, (socket) => {
    const session = new WsSession(socket, options.access, options.queue);
    sessions.add(session);
    socket.on('close', () => sessions.delete(session));
  });
}
