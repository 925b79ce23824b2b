/**
 * The transport of the `mqtt` source kind: subscribes to topic filters on an MQTT broker
 * and hands the messages, as SourceRecords (mqtt-record.ts), to `onBatch` in batches.
 *
 * Delivery (QoS 1, the default): at least once, nothing acknowledged before it is durable.
 * - The reader connects with MQTT 5, a fixed clientId, Clean Start off and a session that
 *   never expires, so the broker keeps the session (the subscriptions and the QoS 1
 *   messages not yet acknowledged, and those that arrive while the reader is away) across
 *   disconnects, restarts of fastdata and, with persistence on, of the broker.
 * - A message's PUBACK is sent only after `onBatch` of the batch that holds it resolved,
 *   and only on the connection that delivered it (a message id means nothing on another
 *   connection). A message not acknowledged is delivered again by the broker on the next
 *   connection: there can be duplicates (exact copies, the same bytes on the same topic),
 *   never a loss of a message the broker accepted, within the broker's limits below.
 * - `onBatch` rejects (or throws): nothing of the batch is acknowledged. The reader
 *   reports an `error` event, drops what it holds, closes the connection and reconnects
 *   after a backoff (growing with consecutive failures, reset by a batch that succeeds):
 *   the broker then delivers every unacknowledged message again, the failed batch's
 *   included (MQTT 5 delivers again only on a new connection). Nothing is retried in
 *   process, so the broker stays the one place that holds what is not durable yet.
 * - Flow control: MQTT 5's Receive Maximum (4 x batchSize, at most 65535) bounds the
 *   messages in flight to the reader; past it the broker queues them. Mosquitto honours
 *   it whatever its max_inflight_messages; but its max_queued_messages (default 1000 per
 *   client) drops messages beyond it silently while the reader is away or slow: raise it
 *   (0 = no limit) or max_queued_bytes on a broker that feeds a source. A broker without
 *   persistence loses its sessions, and the messages queued in them, when it restarts;
 *   the `connected` event says "new session" then.
 * - With `qos: 0` nothing is acknowledged and the broker keeps nothing: at most once.
 *
 * Batches: up to `batchSize` records, handed over at most `batchMs` after the first of
 * them arrived; one `onBatch` at a time, in the order of arrival. While one runs, the next
 * gathers. Each message is counted once per delivery in `stats().received`.
 *
 * Connection: `start()` resolves after the first connection attempt, whether it succeeded
 * or not: a source whose broker is down still starts, says so through `onEvent`
 * (`reconnecting`, with the reason and the delay) and keeps trying. Attempts back off
 * exponentially from `reconnect.minMs` to `reconnect.maxMs`, with +-25% jitter; a
 * successful connection (subscribed) resets the backoff. `onEvent` is the only way errors
 * come out once the reader runs: nothing is thrown from the client's callbacks, and an
 * `onEvent` that throws is ignored. Invalid options throw FD_CONFIG_INVALID from the
 * constructor, which does no I/O.
 *
 * `stop()` waits for the `onBatch` that is running (its messages are acknowledged if the
 * connection is still up), drops the records not yet handed over (not acknowledged: the
 * broker delivers them again on the next start) and disconnects; no `onBatch` is called
 * after it resolved. The session stays on the broker. `start()` after `stop()` starts
 * again.
 *
 * MQTT.js: it handles the packets of a connection one at a time and takes the next only
 * once the previous one's handling called back, PUBACK sent; holding the PUBACK until a
 * batch is durable that way lets one message through per `onBatch` (about 50 messages/s
 * with batchMs 20, measured). So the reader overrides `handleMessage` (documented as
 * overridable) and calls its callback at once with an error, which lets MQTT.js move on
 * without sending the PUBACK (MQTT.js 5.16: handlers/publish.js), and sends the PUBACK
 * itself once the batch is durable, through the client's `_sendPacket` (not public: the
 * constructor checks it is there). test/integration/mqtt-source.test.ts checks both.
 */
import { type IClientOptions, type IConnackPacket, type IPublishPacket, type ISubscriptionGrant, type ISubscriptionMap, MQTTJS_VERSION, MqttClient, ReasonCodes, connect } from 'mqtt';
import { FastdataError, errorMessage } from '../../errors.js';
import type { SourceRecord } from '../source-record.js';
import { mqttRecord, topicFilterProblem } from './mqtt-record.js';

export interface MqttReaderEvent {
  type: 'connected' | 'reconnecting' | 'disconnected' | 'error';
  /** In words, with the broker's address and the reason: "broker at mqtt://h:1883 unreachable (ECONNREFUSED); retrying in 2.0 s". */
  message: string;
  /** With `reconnecting`: when the next attempt is made. */
  retryInMs?: number;
}

export interface MqttReaderOptions {
  /** The broker: mqtt://host:port (or mqtts://host:port for TLS). */
  url: string;
  /** Topic filters to subscribe to, with + (one level) and # (the rest) wildcards. */
  topics: string[];
  /** The MQTT client id: fixed, since the broker keeps the session (and the messages not yet acknowledged) under it. */
  clientId: string;
  username?: string;
  password?: string;
  /** 1 (default): acknowledged once durable, at least once. 0: nothing acknowledged, at most once. */
  qos?: 0 | 1;
  /** The level of the MQTT topic (0-based) that is the record's key, e.g. 1 for fleet/<sensor>/reading. */
  keyLevel?: number;
  /** The payload: one JSON object per message. */
  format: 'json';
  /** Longest wait, in ms, from a batch's first record to its hand-over. Default 20. */
  batchMs?: number;
  /** Most records per batch. Default 500. */
  batchSize?: number;
  /** Makes a batch durable; the messages are acknowledged once it resolves (see the file comment for a rejection). */
  onBatch: (records: SourceRecord[]) => Promise<void>;
  onEvent?: (event: MqttReaderEvent) => void;
  /** Backoff between connection attempts, in ms: from minMs (default 500) doubling up to maxMs (default 30000). */
  reconnect?: { minMs?: number; maxMs?: number };
}

export interface MqttReaderStats {
  /** Messages received (each delivery of a message delivered again counts). */
  received: number;
  /** PUBACKs sent: messages the broker may forget. */
  acked: number;
  /** `onBatch` calls that resolved. */
  batches: number;
  /** Connections made after the first. */
  reconnects: number;
  /** Connected and subscribed now. */
  connected: boolean;
}

interface Pending {
  record: SourceRecord;
  /** The packet id to acknowledge; undefined for a QoS 0 message. */
  messageId: number | undefined;
  /** The connection that delivered it. */
  conn: Connection;
  at: number;
}

interface Connection {
  client: MqttClient;
  /** Subscribed: what `stats().connected` reports. */
  subscribed: boolean;
  /** Being closed by the reader: deliver nothing more, acknowledge nothing more. */
  closing: boolean;
  closed: boolean;
  lastError?: Error;
  /** Why the reader closed it, or what the broker said when it did. */
  closeReason?: string;
  /** Set when the reader closed it after a failed batch: the delay before the next attempt. */
  retryInMs?: number;
  /** Ends the attempt's wait (`start()` of a first attempt): once subscribed, or closed. */
  settle: () => void;
}

type PrivateClient = { _sendPacket(packet: { cmd: 'puback'; messageId: number; reasonCode: number }, cb?: (error?: Error) => void): void };

const DEFAULT_QOS = 1;
const DEFAULT_BATCH_MS = 20;
const DEFAULT_BATCH_SIZE = 500;
const DEFAULT_MIN_MS = 500;
const DEFAULT_MAX_MS = 30_000;
/** MQTT 5: a session expiry interval of 0xFFFFFFFF never expires. */
const SESSION_NEVER_EXPIRES = 0xffff_ffff;
const CONNECT_TIMEOUT_MS = 10_000;
const KEEPALIVE_S = 30;
const END_TIMEOUT_MS = 2_000;
/** Handed to MQTT.js's handleMessage callback: move on to the next packet, send no PUBACK (sent later, see the file comment). */
const ACK_LATER = new Error('acknowledged once its batch is durable');

export class MqttReader {
  private readonly url: string;
  /** The broker's address without credentials, for messages. */
  private readonly where: string;
  private readonly qos: 0 | 1;
  private readonly batchMs: number;
  private readonly batchSize: number;
  private readonly minMs: number;
  private readonly maxMs: number;
  private readonly receiveMaximum: number;

  private state: 'idle' | 'running' | 'stopping' | 'stopped' = 'idle';
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private conn: Connection | undefined;
  private everConnected = false;
  private connectFailures = 0;
  private batchFailures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private batchTimer: NodeJS.Timeout | undefined;
  private buffer: Pending[] = [];
  private draining: Promise<void> | undefined;
  /** MQTT.js's callback held while the buffer is full (QoS 0 floods): its next packet waits. */
  private paused: (() => void) | undefined;
  private readonly counts = { received: 0, acked: 0, batches: 0, reconnects: 0 };

  constructor(private readonly options: MqttReaderOptions) {
    const o = options;
    const invalid = (field: string, message: string) =>
      new FastdataError('FD_CONFIG_INVALID', `mqtt source ${JSON.stringify(o.clientId ?? '')}: ${field}: ${message}`, { context: { field } });
    let parsed: URL;
    try {
      parsed = new URL(o.url);
    } catch {
      throw invalid('url', `expected mqtt://host:port, got ${JSON.stringify(o.url)}`);
    }
    if (parsed.protocol !== 'mqtt:' && parsed.protocol !== 'mqtts:') throw invalid('url', `expected mqtt://host:port (or mqtts://), got ${JSON.stringify(o.url)}`);
    if (!parsed.hostname) throw invalid('url', `no host in ${JSON.stringify(o.url)}: expected mqtt://host:port`);
    this.url = o.url;
    this.where = `${parsed.protocol}//${parsed.host}`;
    if (!Array.isArray(o.topics) || o.topics.length === 0) throw invalid('topics', 'give at least one topic filter, e.g. fleet/+/reading');
    for (const topic of o.topics) {
      const problem = typeof topic === 'string' ? topicFilterProblem(topic) : `expected a string, got ${typeof topic}`;
      if (problem) throw invalid('topics', problem);
    }
    if (typeof o.clientId !== 'string' || o.clientId.length === 0) {
      throw invalid('clientId', 'give a fixed client id: the broker keeps the session, and the messages not yet acknowledged, under it');
    }
    if (Buffer.byteLength(o.clientId) > 65_535) throw invalid('clientId', 'at most 65535 bytes');
    this.qos = o.qos ?? DEFAULT_QOS;
    if (this.qos !== 0 && this.qos !== 1) throw invalid('qos', `expected 0 or 1, got ${String(o.qos)}`);
    if (o.keyLevel !== undefined && !(Number.isInteger(o.keyLevel) && o.keyLevel >= 0)) {
      throw invalid('keyLevel', `expected a topic level from 0 (1 for fleet/<sensor>/reading), got ${String(o.keyLevel)}`);
    }
    if (o.format !== 'json') throw invalid('format', `expected "json" (one JSON object per message), got ${JSON.stringify(o.format)}`);
    this.batchMs = o.batchMs ?? DEFAULT_BATCH_MS;
    if (!(Number.isFinite(this.batchMs) && this.batchMs >= 0)) throw invalid('batchMs', `expected milliseconds >= 0, got ${String(o.batchMs)}`);
    this.batchSize = o.batchSize ?? DEFAULT_BATCH_SIZE;
    if (!(Number.isInteger(this.batchSize) && this.batchSize >= 1 && this.batchSize <= 65_535)) {
      throw invalid('batchSize', `expected a whole number from 1 to 65535, got ${String(o.batchSize)}`);
    }
    this.minMs = o.reconnect?.minMs ?? DEFAULT_MIN_MS;
    this.maxMs = o.reconnect?.maxMs ?? Math.max(DEFAULT_MAX_MS, this.minMs);
    if (!(Number.isFinite(this.minMs) && this.minMs > 0)) throw invalid('reconnect.minMs', `expected milliseconds > 0, got ${String(o.reconnect?.minMs)}`);
    if (!(Number.isFinite(this.maxMs) && this.maxMs >= this.minMs)) {
      throw invalid('reconnect.maxMs', `expected milliseconds >= reconnect.minMs (${this.minMs}), got ${String(o.reconnect?.maxMs)}`);
    }
    if (typeof o.onBatch !== 'function') throw invalid('onBatch', 'a function is required');
    this.receiveMaximum = Math.min(65_535, this.batchSize * 4);
    if (typeof (MqttClient.prototype as unknown as Partial<PrivateClient>)._sendPacket !== 'function') {
      throw new FastdataError(
        'FD_INTERNAL',
        `the installed mqtt package (MQTT.js ${MQTTJS_VERSION}) has no MqttClient._sendPacket, which the mqtt source uses to acknowledge messages once durable; install the version package.json names (npm ci)`,
      );
    }
  }

  /** Connects and subscribes; resolves after the first attempt, connected or not (see the file comment). */
  start(): Promise<void> {
    if (this.stopping) return this.stopping.then(() => this.start());
    if (this.starting) return this.starting;
    this.state = 'running';
    this.starting = this.openConnection();
    return this.starting;
  }

  /** Waits for the running `onBatch`, drops what was not handed over yet (not acknowledged) and disconnects. */
  stop(): Promise<void> {
    if (this.stopping) return this.stopping;
    if (this.state !== 'running') return Promise.resolve();
    this.state = 'stopping';
    this.stopping = (async () => {
      clearTimeout(this.retryTimer);
      clearTimeout(this.batchTimer);
      this.retryTimer = this.batchTimer = undefined;
      this.buffer = [];
      this.paused = undefined;
      await this.draining;
      const conn = this.conn;
      if (conn) {
        await this.closeConnection(conn, 'stopped', true);
        conn.settle();
      }
      this.state = 'stopped';
      this.starting = undefined;
      this.stopping = undefined;
    })();
    return this.stopping;
  }

  stats(): MqttReaderStats {
    return { ...this.counts, connected: this.conn?.subscribed === true && !this.conn.closing };
  }

  // --- connection -------------------------------------------------------------------

  /** One connection attempt: resolves once subscribed, or once the attempt failed (closed). */
  private openConnection(): Promise<void> {
    return new Promise<void>((settle) => {
      const o = this.options;
      const clientOptions: IClientOptions = {
        clientId: o.clientId,
        protocolVersion: 5,
        clean: false,
        reconnectPeriod: 0,
        connectTimeout: CONNECT_TIMEOUT_MS,
        keepalive: KEEPALIVE_S,
        resubscribe: false,
        properties: { sessionExpiryInterval: SESSION_NEVER_EXPIRES, receiveMaximum: this.receiveMaximum },
        ...(o.username === undefined ? {} : { username: o.username }),
        ...(o.password === undefined ? {} : { password: o.password }),
      };
      let client: MqttClient;
      try {
        client = connect(this.url, clientOptions);
      } catch (error) {
        this.emit({ type: 'error', message: `cannot connect to ${this.where}: ${errorMessage(error)}` });
        this.scheduleReconnect(undefined, false);
        settle();
        return;
      }
      const conn: Connection = { client, subscribed: false, closing: false, closed: false, settle };
      this.conn = conn;
      client.handleMessage = (packet, callback) => this.guard(() => this.onPublish(conn, packet, callback));
      client.on('error', (error) => {
        conn.lastError = error;
      });
      client.on('disconnect', (packet) => {
        const code = packet.reasonCode ?? 0;
        conn.closeReason ??= `the broker sent DISCONNECT: ${ReasonCodes[code as keyof typeof ReasonCodes] ?? `reason code ${code}`}`;
      });
      client.on('connect', (connack) => this.guard(() => this.onConnack(conn, connack)));
      client.on('close', () =>
        this.guard(() => {
          this.onClose(conn);
          settle();
        }),
      );
    });
  }

  private onConnack(conn: Connection, connack: IConnackPacket): void {
    if (conn !== this.conn || conn.closing) return;
    const map: ISubscriptionMap = {};
    // rh 1: retained messages only on a new subscription, not again on each reconnect.
    for (const topic of this.options.topics) map[topic] = { qos: this.qos, rh: 1 };
    conn.client.subscribe(map, (error, granted) =>
      this.guard(() => {
        if (conn !== this.conn || conn.closing || conn.closed) return;
        if (error) {
          conn.closeReason = `the broker refused the subscription to ${this.options.topics.join(', ')}: ${errorMessage(error)}`;
          this.emit({ type: 'error', message: `mqtt source at ${this.where}: ${conn.closeReason}` });
          conn.closing = true;
          conn.client.end(true);
          return;
        }
        conn.subscribed = true;
        this.connectFailures = 0;
        if (this.everConnected) this.counts.reconnects++;
        this.everConnected = true;
        const session = connack.sessionPresent
          ? 'session resumed'
          : 'new session: the broker kept none for this client id (a first connection, or a broker that lost its sessions: then what was published meanwhile is lost)';
        this.emit({ type: 'connected', message: `connected to ${this.where} as ${this.options.clientId}, subscribed to ${this.options.topics.join(', ')} (${session})` });
        const downgraded = (granted ?? []).filter((g: ISubscriptionGrant) => g.qos < this.qos);
        if (downgraded.length > 0) {
          this.emit({
            type: 'error',
            message: `the broker at ${this.where} granted QoS ${downgraded[0]!.qos} for ${downgraded.map((g) => g.topic).join(', ')}: their messages are not acknowledged, at most once`,
          });
        }
        conn.settle();
      }),
    );
  }

  private onClose(conn: Connection): void {
    if (conn.closed) return;
    conn.closed = true;
    const wasSubscribed = conn.subscribed;
    conn.subscribed = false;
    if (conn !== this.conn) return;
    this.conn = undefined;
    // Not acknowledged: the broker delivers them again on the next connection.
    this.buffer = [];
    this.paused = undefined;
    clearTimeout(this.batchTimer);
    this.batchTimer = undefined;
    if (this.state !== 'running') {
      if (wasSubscribed) this.emit({ type: 'disconnected', message: `disconnected from ${this.where} (${conn.closeReason ?? 'stopped'})` });
      return;
    }
    if (wasSubscribed) {
      const reason = conn.closeReason ?? (conn.lastError ? describeError(conn.lastError) : 'the broker closed the connection');
      this.emit({ type: 'disconnected', message: `connection to ${this.where} ${conn.closing ? 'closed' : 'lost'} (${reason})` });
    }
    this.scheduleReconnect(conn, wasSubscribed);
  }

  private scheduleReconnect(conn: Connection | undefined, wasSubscribed: boolean): void {
    let delay: number;
    let message: string;
    if (conn?.retryInMs !== undefined) {
      delay = conn.retryInMs;
      message = `reconnecting to ${this.where} in ${seconds(delay)}, for the broker to deliver the unacknowledged messages again`;
    } else {
      delay = backoffMs(this.connectFailures++, this.minMs, this.maxMs);
      if (wasSubscribed) {
        message = `reconnecting to ${this.where} in ${seconds(delay)}`;
      } else {
        const error = conn?.lastError;
        const refused = error !== undefined && typeof (error as { code?: unknown }).code === 'number';
        const why = error ? describeError(error) : (conn?.closeReason ?? `no answer within ${seconds(CONNECT_TIMEOUT_MS)}`);
        message = refused ? `broker at ${this.where} refused the connection (${why}); retrying in ${seconds(delay)}` : `broker at ${this.where} unreachable (${why}); retrying in ${seconds(delay)}`;
      }
    }
    this.emit({ type: 'reconnecting', message, retryInMs: delay });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.state === 'running' && !this.conn) void this.openConnection();
    }, delay);
  }

  /** Closes `conn`: gracefully (DISCONNECT, the session kept) when asked and connected, else at once. */
  private closeConnection(conn: Connection, reason: string, graceful: boolean): Promise<void> {
    conn.closing = true;
    conn.closeReason ??= reason;
    if (conn.closed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        conn.client.end(true);
        resolve();
      }, END_TIMEOUT_MS);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      if (graceful && conn.client.connected) conn.client.end(false, { reasonCode: 0 }, done);
      else conn.client.end(true, done);
    });
  }

  // --- messages and batches ----------------------------------------------------------

  private onPublish(conn: Connection, packet: IPublishPacket, callback: (error?: Error) => void): void {
    const acknowledged = packet.qos === 1;
    // QoS 1: the error tells MQTT.js to send no PUBACK; the reader sends it later.
    const next = () => callback(acknowledged ? ACK_LATER : undefined);
    if (this.state !== 'running' || conn !== this.conn || conn.closing) {
      next(); // not taken, not acknowledged: delivered again on the next connection
      return;
    }
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    const record = mqttRecord(packet.topic, payload, this.options.keyLevel);
    this.counts.received++;
    this.buffer.push({ record, messageId: acknowledged ? packet.messageId : undefined, conn, at: Date.now() });
    if (this.buffer.length >= this.batchSize) {
      clearTimeout(this.batchTimer);
      this.batchTimer = undefined;
      this.kick();
    } else if (!this.batchTimer) {
      this.kick();
    }
    if (this.buffer.length >= this.receiveMaximum) this.paused = next;
    else next();
  }

  private kick(): void {
    if (this.draining || this.state !== 'running') return;
    const draining = this.drain().finally(() => {
      if (this.draining === draining) this.draining = undefined;
    });
    this.draining = draining;
  }

  /** Hands the buffer to onBatch, one batch at a time; returns when it is empty or its first record is not due yet (a timer then calls again). */
  private async drain(): Promise<void> {
    try {
      while (this.state === 'running' && this.buffer.length > 0) {
        const due = this.buffer[0]!.at + this.batchMs - Date.now();
        if (this.buffer.length < this.batchSize && due > 0) {
          if (!this.batchTimer) {
            this.batchTimer = setTimeout(() => {
              this.batchTimer = undefined;
              this.kick();
            }, due);
          }
          return;
        }
        const batch = this.buffer.splice(0, this.batchSize);
        this.releasePaused();
        try {
          await this.options.onBatch(batch.map((p) => p.record));
        } catch (error) {
          this.batchFailed(batch, error);
          continue;
        }
        this.counts.batches++;
        this.batchFailures = 0;
        this.acknowledge(batch);
      }
    } catch (error) {
      this.emit({ type: 'error', message: `mqtt source at ${this.where}: internal error while handing over a batch: ${errorMessage(error)}` });
    }
  }

  private acknowledge(batch: Pending[]): void {
    const conn = this.conn;
    if (!conn || conn.closing || conn.closed || !conn.client.connected) return;
    const client = conn.client as unknown as PrivateClient;
    for (const p of batch) {
      // Only on the connection that delivered it: an id from an earlier one could name another message now.
      if (p.messageId === undefined || p.conn !== conn) continue;
      client._sendPacket({ cmd: 'puback', messageId: p.messageId, reasonCode: 0 });
      this.counts.acked++;
    }
  }

  private batchFailed(batch: Pending[], error: unknown): void {
    this.batchFailures++;
    const delay = backoffMs(this.batchFailures - 1, this.minMs, this.maxMs);
    const conn = this.conn;
    const ofThisConnection = conn !== undefined && batch.some((p) => p.conn === conn);
    const unacked = batch.filter((p) => p.messageId !== undefined).length;
    const then =
      this.state !== 'running'
        ? 'the broker delivers them again once the source is started again'
        : ofThisConnection
          ? `the broker delivers them again after a reconnect in ${seconds(delay)}`
          : 'the broker delivers them again on the new connection';
    this.emit({
      type: 'error',
      message: `onBatch failed for ${batch.length} records from ${this.where} (${errorMessage(error)}); ${unacked} messages are not acknowledged: ${then}`,
    });
    if (!ofThisConnection || !conn || this.state !== 'running') return;
    this.buffer = [];
    this.paused = undefined;
    conn.retryInMs = delay;
    void this.closeConnection(conn, `closed after onBatch failed`, false);
  }

  private releasePaused(): void {
    if (this.paused && this.buffer.length < this.receiveMaximum) {
      const next = this.paused;
      this.paused = undefined;
      next();
    }
  }

  // --- events ------------------------------------------------------------------------

  private emit(event: MqttReaderEvent): void {
    try {
      this.options.onEvent?.(event);
    } catch {
      // An event handler's failure is its own; the reader goes on.
    }
  }

  /** Runs a callback of the client: nothing thrown escapes into MQTT.js (it would become an uncaught exception). */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.emit({ type: 'error', message: `mqtt source at ${this.where}: internal error: ${errorMessage(error)}` });
    }
  }
}

/** The delay before attempt `attempt` (0 first): minMs doubling up to maxMs, +-25% jitter, within [minMs, maxMs]. */
export function backoffMs(attempt: number, minMs: number, maxMs: number, random: () => number = Math.random): number {
  const base = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 40));
  return Math.round(Math.min(maxMs, Math.max(minMs, base * (0.75 + random() * 0.5))));
}

function describeError(error: Error): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : error.message;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
