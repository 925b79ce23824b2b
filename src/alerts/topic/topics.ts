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
