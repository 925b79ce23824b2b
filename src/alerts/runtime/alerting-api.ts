/**
 * The alert history and silences without the rules: what `fastdata serve` offers beside
 * the workers that evaluate. Undefined when the alert topics do not exist yet (nothing
 * has run alerts; a read-only embedded log cannot create them).
 */
import type { Log } from '../../log/types.js';
import type { AvroSerde } from '../../schema/serde.js';
import { AlertHistory } from '../state/alert-history.js';
import { SilenceStore } from '../state/silence-store.js';
import { ALERT_TOPICS, type AlertTopics } from '../topic/topics.js';

export async function openAlertingApi(log: Log, serde: AvroSerde, onWarning?: (message: string) => void, topics: AlertTopics = ALERT_TOPICS) {
  for (const topic of [topics.history, topics.acks, topics.silences]) if (!(await log.describeTopic(topic))) return undefined;
  const history = new AlertHistory(log, serde, Date.now, onWarning, topics);
  const silences = new SilenceStore(log, Date.now, onWarning, topics);
  await history.start();
  await silences.start();
  return {
    history,
    silences,
    async close() {
      await history.close();
      await silences.close();
    },
  };
}
