/**
 * The WebSocket service (/ws), from its hub at scrape time: connections, subscriptions,
 * the bytes and frames held for clients, and what slow clients cost (frames dropped,
 * clients closed for not reading).
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { WsStatsSource } from './sources.js';

export function registerWsMetrics(registry: Registry, stats: () => WsStatsSource | undefined): void {
  const registers = [registry];
  const gauge = (name: string, help: string, pick: (s: WsStatsSource) => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        const s = stats();
        this.set(s ? pick(s) : 0);
      },
    });
  const counter = (name: string, help: string, pick: (s: WsStatsSource) => number) =>
    new Counter({
      name,
      help,
      registers,
      collect() {
        this.reset();
        const s = stats();
        if (s) this.inc(pick(s));
      },
    });
  gauge('fastdata_ws_connections', 'Open WebSocket connections.', (s) => s.connections);
  gauge('fastdata_ws_subscriptions', 'Live subscriptions of the open connections.', (s) => s.subscriptions);
  gauge('fastdata_ws_queued_bytes', 'Bytes held for the open connections: socket buffers plus queued frames.', (s) => s.queuedBytes);
  gauge('fastdata_ws_queued_frames', 'Frames waiting in the queues of the open connections.', (s) => s.queuedFrames);
  counter('fastdata_ws_connections_total', 'WebSocket connections accepted since the process started.', (s) => s.connectionsTotal);
  counter('fastdata_ws_connections_refused_total', 'WebSocket connections refused: over the connection limit.', (s) => s.connectionsRefused);
  counter('fastdata_ws_dropped_frames_total', 'Records not sent to a client too slow for them (conflated or dropped).', (s) => s.droppedFrames);
  counter('fastdata_ws_slow_disconnects_total', 'Clients closed (1008) for not reading while frames waited.', (s) => s.slowDisconnects);
}
