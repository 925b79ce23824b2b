/**
 * The alert history and silences without the rules: what `fastdata serve` offers beside
 * the workers that evaluate. Undefined when the alert topics do not exist yet (nothing
 * has run alerts; a read-only embedded log cannot create them).
 */
import type { Log } from '../../log/types.js';
import type { AvroSerde } from '../../schema/serde.js';
import { AlertHistory } from '../state/alert-history.js';
import { SilenceStore } from '../state/silence-store.js';
import { ALERT_TOPICS } from '../topic/topics.js';

export async function openAlertingApi(log: Log, serde: AvroSerde, onWarning?: (message: string) => void) {
  for (const topic of [ALERT_TOPICS.history, ALERT_TOPICS.acks, ALERT_TOPICS.silences]) if (!(await log.describeTopic(topic))) return undefined;
  const history = new AlertHistory(log, serde, Date.now, onWarning);
  const silences = new SilenceStore(log, Date.now, onWarning);
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
