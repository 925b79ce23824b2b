/**
 * The topics of the alert engine. All of them are ordinary log topics, so every part of
 * fastdata (and any Kafka client) can read them: the REST API, the dashboard, receivers
 * in another process, downstream pipelines.
 */
export interface AlertTopics {
  /** Every firing and resolved notification, in order (Avro, `Alert`): receivers consume it. Also the prefix of the rest, and the evaluator's lease group. */
  events: string;
  /** The latest state of each alert instance, keyed by alert id (compacted, Avro `Alert`). */
  history: string;
  /** The alert engine's checkpoints, and its lease: the group member that owns partition 0 evaluates. */
  state: string;
  /** Silences by id (compacted, JSON): created and expired through the REST API. */
  silences: string;
  /** Acknowledgements by alert id (compacted, JSON; a tombstone withdraws one). */
  acks: string;
  /** Source records the evaluator could not decode, unchanged, with the reason in headers (host/dead-letters.ts). */
  deadLetter: string;
}

/** The default prefix (`alerts.topicPrefix`): two projects on one Kafka cluster give each their own. */
export const DEFAULT_ALERT_TOPIC_PREFIX = 'fastdata.alerts';

export function alertTopics(prefix: string = DEFAULT_ALERT_TOPIC_PREFIX): AlertTopics {
  return { events: prefix, history: `${prefix}.history`, state: `${prefix}.state`, silences: `${prefix}.silences`, acks: `${prefix}.acks`, deadLetter: `${prefix}.dlq` };
}

/** The topics under the default prefix. */
export const ALERT_TOPICS: AlertTopics = Object.freeze(alertTopics());

/** History is kept this long after an alert's last change (30 days), then compacted away. */
export const HISTORY_RETENTION_MS = 30 * 24 * 3_600_000;

/** The alert topics served like module outputs (REST, /ws, dashboards): what the alert engine and websocket receivers write. */
export function alertOutputs(rules: readonly { source: string }[], websocketTopics: readonly string[] = [], topics: AlertTopics = ALERT_TOPICS) {
  const inputs = [...new Set(rules.map((r) => r.source))].sort();
  return [
    { topic: topics.events, module: 'alerts', doc: 'Every firing and resolved notification of the alert rules (alerts/*.yaml), keyed by alert fingerprint.', inputs },
    ...websocketTopics.map((topic) => ({ topic, module: 'alerts', doc: 'The notifications of a websocket receiver (alerts/receivers.yaml).', inputs })),
  ];
}
