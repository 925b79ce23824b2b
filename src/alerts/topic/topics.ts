/**
 * The topics of the alert engine. All of them are ordinary log topics, so every part of
 * fastdata (and any Kafka client) can read them: the REST API, the dashboard, receivers
 * in another process, downstream pipelines.
 */
export const ALERT_TOPICS = {
  /** Every firing and resolved notification, in order (Avro, `Alert`): receivers consume it. */
  events: 'fastdata.alerts',
  /** The latest state of each alert instance, keyed by alert id (compacted, Avro `Alert`). */
  history: 'fastdata.alerts.history',
  /** The alert engine's checkpoints, and its lease: the group member that owns partition 0 evaluates. */
  state: 'fastdata.alerts.state',
  /** Silences by id (compacted, JSON): created and expired through the REST API. */
  silences: 'fastdata.alerts.silences',
  /** Acknowledgements by alert id (compacted, JSON; a tombstone withdraws one). */
  acks: 'fastdata.alerts.acks',
} as const;

/** History is kept this long after an alert's last change (30 days), then compacted away. */
export const HISTORY_RETENTION_MS = 30 * 24 * 3_600_000;

/** The alert topics served like module outputs (REST, /ws, dashboards): what the alert engine and websocket receivers write. */
export function alertOutputs(rules: readonly { source: string }[], websocketTopics: readonly string[] = []) {
  const inputs = [...new Set(rules.map((r) => r.source))].sort();
  return [
    { topic: ALERT_TOPICS.events, module: 'alerts', doc: 'Every firing and resolved notification of the alert rules (alerts/*.yaml), keyed by alert fingerprint.', inputs },
    ...websocketTopics.map((topic) => ({ topic, module: 'alerts', doc: 'The notifications of a websocket receiver (alerts/receivers.yaml).', inputs })),
  ];
}
