/**
 * The kafka and websocket receivers: each delivery becomes records of a topic, Avro with
 * the registered `fastdata.alerts.Alert` schema and keyed by fingerprint. Downstream
 * pipelines consume a kafka receiver's topic; browsers and services subscribe to a
 * websocket receiver's topic on `/ws` (resuming where they left off, as for any topic).
 */
import { errorMessage } from '../../errors.js';
import type { Log } from '../../log/types.js';
import type { AvroEncoder, AvroSerde } from '../../schema/serde.js';
import { valueSubject } from '../../schema/types.js';
import { ALERT_SCHEMA, toAlertRecord, type AlertRecord } from '../topic/alert-record.js';
import type { KafkaReceiverConfig, WebsocketReceiverConfig } from './config.js';
import type { Delivery } from './notification.js';
import type { AttemptResult, Receiver } from './receiver.js';

export class TopicReceiver implements Receiver {
  readonly name: string;
  readonly kind: 'kafka' | 'websocket';
  private encoder: Promise<AvroEncoder<AlertRecord>> | undefined;

  constructor(
    private readonly config: KafkaReceiverConfig | WebsocketReceiverConfig,
    private readonly log: Log,
    private readonly serde: AvroSerde,
  ) {
    this.name = config.name;
    this.kind = config.kind;
  }

  private async ready(): Promise<AvroEncoder<AlertRecord>> {
    this.encoder ??= (async () => {
      await this.log.createTopic({ name: this.config.topic, partitions: 1 });
      return this.serde.encoderFor<AlertRecord>(valueSubject(this.config.topic), ALERT_SCHEMA);
    })();
    this.encoder.catch(() => (this.encoder = undefined));
    return this.encoder;
  }

  async send(delivery: Delivery): Promise<AttemptResult> {
    try {
      const encoder = await this.ready();
      await this.log.produce(
        this.config.topic,
        delivery.notifications.map((n) => ({ key: n.fingerprint, value: encoder.encode(toAlertRecord(n, [this.name])), headers: { 'fastdata-delivery': delivery.key } })),
      );
      return { outcome: 'delivered' };
    } catch (error) {
      // The log or the registry being away may pass; the queue retries with backoff.
      return { outcome: 'retry', error: errorMessage(error) };
    }
  }
}
