/**
 * GET /ws: the WebSocket endpoint of the access layer (protocol: docs/websocket.md).
 * One timer for all clients drains their queues, moves their histories on and finds slow
 * ones, and one pings them, rather than timers per client: a thousand clients cost two
 * timers. A client that has not answered a ping for HEARTBEAT_TIMEOUT_MS is closed.
 *
 * Bounds for all clients together: at most `maxConnections` (a new one past it is closed
 * with 1013) and `maxSubscriptions` (every live record is handed to each subscription of
 * its topic: past it a subscribe is refused, too-many-subscriptions), one gate for
 * history reads (snapshot.ts), and a byte budget: while the
 * clients hold more than `maxTotalBytes` (socket buffers and queues), the stalled ones
 * (taking nothing while frames wait) are closed at once, largest first, instead of after
 * `slowClientMs`.
 *
 * `WsHub.stats()` (also `wsHubOf(access)?.stats()`) gives the counts for metrics: open
 * connections, subscriptions, bytes held, frames dropped, slow clients disconnected.
 */
import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import type { AccessLayer } from '../access/access-layer.js';
import type { ClientQueueOptions } from './client-queue.js';
import { CLOSE_TOO_MANY_CONNECTIONS, HEARTBEAT_INTERVAL_MS, MAX_CONNECTIONS, MAX_FRAME_BYTES, MAX_SUBSCRIPTIONS_TOTAL, SLOW_CLIENT_MS } from './protocol.js';
import { WsSession } from './session.js';
import { SnapshotGate } from './snapshot.js';

export interface WsRouteOptions {
  access: AccessLayer;
  heartbeatMs?: number;
  /** Per-client send queue limits (client-queue.ts). */
  queue?: ClientQueueOptions;
  /** Most open connections. Default MAX_CONNECTIONS (1000). */
  maxConnections?: number;
  /** Most live subscriptions of all connections together. Default MAX_SUBSCRIPTIONS_TOTAL (10,000). */
  maxSubscriptions?: number;
  /** A client that takes nothing this long while frames wait is closed (1008). Default SLOW_CLIENT_MS (15 s). */
  slowClientMs?: number;
  /** Past this many bytes held for all clients, stalled clients are closed at once. Default 64 MiB. */
  maxTotalBytes?: number;
  /** History pages read at once, for all clients. Default 2. */
  snapshotConcurrency?: number;
}

/** The counts of the endpoint, for /metrics and the status page. */
export interface WsStats {
  /** Open connections. */
  connections: number;
  /** Connections accepted since start. */
  connectionsTotal: number;
  /** Connections refused: over maxConnections. */
  connectionsRefused: number;
  /** Live subscriptions of the open connections. */
  subscriptions: number;
  /** Bytes held for the open connections: socket buffers plus queued frames. */
  queuedBytes: number;
  /** The most one connection holds (socket buffer plus queue). */
  maxClientBytes: number;
  /** Frames waiting in the queues of the open connections. */
  queuedFrames: number;
  /** Records not sent to a client too slow for them (conflated or dropped), since start. */
  droppedFrames: number;
  /** Clients closed for not reading (1008), since start. */
  slowDisconnects: number;
  /** Histories being sent or waiting their turn. */
  snapshotsPending: number;
  /** History pages being read and waiting for the gate; pages and records read since start. */
  snapshotReads: { active: number; waiting: number; pagesRead: number; recordsRead: number };
}

const DRAIN_MS = 20;
const DEFAULT_MAX_TOTAL_BYTES = 64 * 1024 * 1024;

export class WsHub {
  private readonly sessions = new Set<WsSession>();
  readonly gate: SnapshotGate;
  private readonly counts = { connectionsTotal: 0, connectionsRefused: 0, slowDisconnects: 0, droppedClosed: 0 };
  /** Live subscriptions of every session, counted by the sessions. */
  private readonly subscriptions: { live: number; max: number };

  constructor(
    private readonly access: AccessLayer,
    private readonly options: Omit<WsRouteOptions, 'access'> = {},
  ) {
    this.gate = new SnapshotGate(options.snapshotConcurrency ?? 2);
    this.subscriptions = { live: 0, max: options.maxSubscriptions ?? MAX_SUBSCRIPTIONS_TOTAL };
  }

  /** Takes a new connection: a session, or a close (1013) past maxConnections. */
  accept(socket: WebSocket): WsSession | undefined {
    const max = this.options.maxConnections ?? MAX_CONNECTIONS;
    if (this.sessions.size >= max) {
      this.counts.connectionsRefused++;
      socket.close(CLOSE_TOO_MANY_CONNECTIONS, `too many connections: this server takes ${max}; try again later`);
      return undefined;
    }
    this.counts.connectionsTotal++;
    const session = new WsSession(socket, this.access, {
      ...(this.options.queue ? { queue: this.options.queue } : {}),
      gate: this.gate,
      slowClientMs: this.options.slowClientMs ?? SLOW_CLIENT_MS,
      onSlowClose: () => this.counts.slowDisconnects++,
      subscriptions: this.subscriptions,
    });
    this.sessions.add(session);
    socket.on('close', () => this.remove(session));
    return session;
  }

  private remove(session: WsSession): void {
    if (!this.sessions.delete(session)) return;
    session.close();
    this.counts.droppedClosed += session.queue.missedTotal;
  }

  /** Every DRAIN_MS: queues drained, histories moved on, slow clients found; over the byte budget, stalled clients closed. */
  tick(): void {
    let total = 0;
    for (const session of this.sessions) {
      session.tick();
      if (session.isClosed) this.remove(session);
      else total += session.bytes();
    }
    const budget = this.options.maxTotalBytes ?? DEFAULT_MAX_TOTAL_BYTES;
    if (total <= budget) return;
    const stalled = [...this.sessions].filter((s) => s.stalledFor !== undefined).sort((a, b) => b.bytes() - a.bytes());
    for (const session of stalled) {
      if (total <= budget) break;
      total -= session.bytes();
      session.closeSlow(`slow client: not reading while the server holds over ${Math.round(budget / 1048576)} MiB for its clients`);
      this.remove(session);
    }
  }

  heartbeat(): void {
    for (const session of this.sessions) session.heartbeat();
  }

  closeAll(): void {
    for (const session of [...this.sessions]) {
      session.terminate();
      this.remove(session);
    }
  }

  stats(): WsStats {
    let subscriptions = 0;
    let queuedBytes = 0;
    let maxClientBytes = 0;
    let queuedFrames = 0;
    let dropped = this.counts.droppedClosed;
    let snapshotsPending = 0;
    for (const session of this.sessions) {
      const bytes = session.bytes();
      subscriptions += session.subscriptionCount;
      queuedBytes += bytes;
      maxClientBytes = Math.max(maxClientBytes, bytes);
      queuedFrames += session.queue.size;
      dropped += session.queue.missedTotal;
      snapshotsPending += session.historiesPending;
    }
    return {
      connections: this.sessions.size,
      connectionsTotal: this.counts.connectionsTotal,
      connectionsRefused: this.counts.connectionsRefused,
      subscriptions,
      queuedBytes,
      maxClientBytes,
      queuedFrames,
      droppedFrames: dropped,
      slowDisconnects: this.counts.slowDisconnects,
      snapshotsPending,
      snapshotReads: this.gate.stats(),
    };
  }
}

const hubs = new WeakMap<AccessLayer, WsHub>();

/** The /ws endpoint serving `access`, if one was registered: `wsHubOf(access)?.stats()` for metrics. */
export function wsHubOf(access: AccessLayer): WsHub | undefined {
  return hubs.get(access);
}

export async function wsRoute(app: FastifyInstance, options: WsRouteOptions): Promise<WsHub> {
  // Frames up to 16× the protocol's limit reach the parser, which answers "too large" and keeps
  // the connection; beyond that ws closes it (1009), so nobody makes the server buffer megabytes.
  await app.register(websocket, { options: { maxPayload: 16 * MAX_FRAME_BYTES } });
  const { access, ...rest } = options;
  const hub = new WsHub(access, rest);
  hubs.set(access, hub);
  const drain = setInterval(() => hub.tick(), DRAIN_MS);
  const heartbeat = setInterval(() => hub.heartbeat(), options.heartbeatMs ?? HEARTBEAT_INTERVAL_MS);
  drain.unref();
  heartbeat.unref();
  app.addHook('onClose', async () => {
    clearInterval(drain);
    clearInterval(heartbeat);
    hub.closeAll();
  });
  app.get('/ws', { websocket: true }, (socket) => {
    hub.accept(socket);
  });
  return hub;
}
