/** How the terminal commands (dev, run) print what the app reports. */
import { relative } from 'node:path';
import type { AppEvent } from '../app/events.js';
import { clock, describeError, info } from './output.js';

/** Dead letters are counted and summarised every few seconds rather than printed one by one. */
export class DeadLetterSummary {
  private counts = new Map<string, { n: number; example: string }>();
  add(module: string, reason: string, message: string): void {
    const key = `${module} ${reason}`;
    const entry = this.counts.get(key);
    if (entry) entry.n++;
    else this.counts.set(key, { n: 1, example: message });
  }
  flush(): void {
    for (const [key, { n, example }] of this.counts) {
      const [module, reason] = key.split(' ');
      info(`${clock()} ${module}: ${n} record${n === 1 ? '' : 's'} to the dead-letter topic (${reason}), e.g. ${example}`);
    }
    this.counts = new Map();
  }
}

export function printEvent(event: AppEvent, root: string, deadLetters: DeadLetterSummary): void {
  switch (event.type) {
    case 'started':
      info(`${clock()} ${event.module}: running, ${event.inputs.join(', ')} -> ${event.output} (${event.partitions} partitions)`);
      break;
    case 'waiting':
      info(`${clock()} ${event.module}: waiting for input topic ${event.topics.join(', ')} to exist`);
      break;
    case 'assigned':
      info(`${clock()} ${event.module}: assigned partitions ${event.partitions.join(', ')}`);
      break;
    case 'revoked':
      info(`${clock()} ${event.module}: partitions ${event.partitions.join(', ')} left this worker${event.checkpointed ? ' (checkpointed)' : ' (moved; their uncommitted work is redone by the new owner)'}`);
      break;
    case 'restored':
      if (event.entries > 0 || event.duplicatesToSkip > 0) {
        info(`${clock()} ${event.module}[${event.partition}]: restored ${event.entries} state entries${event.duplicatesToSkip ? `, ${event.duplicatesToSkip} outputs already written` : ''}`);
      }
      break;
    case 'dead-letter':
      deadLetters.add(event.module, event.reason, event.message);
      break;
    case 'warning':
      info(`${clock()} ${event.module}: warning: ${event.message}`);
      break;
    case 'failed':
      info(`${clock()} ${event.module}: FAILED: ${describeError(event.error)}`);
      break;
    case 'load-failed':
      info(`${clock()} ${relative(root, event.file)}: not loaded: ${describeError(event.error)}`);
      break;
    case 'module-reloaded':
      if (event.added) info(`${clock()} ${relative(root, event.file)}: new module ${event.module} loaded`);
      else if (event.stateKept) info(`${clock()} ${event.module}: reloaded ${relative(root, event.file)}; state layout unchanged, window state kept`);
      else info(`${clock()} ${event.module}: reloaded ${relative(root, event.file)}; state layout changed (${event.reason}); restarting from committed offsets with fresh state`);
      break;
    case 'module-removed':
      info(`${clock()} ${event.module}: stopped, ${relative(root, event.file)} was deleted`);
      break;
    case 'reload-failed':
      info(`${clock()} ${relative(root, event.file)}: NOT RELOADED, the previous version keeps running: ${describeError(event.error)}`);
      break;
    case 'reload-skipped':
      info(`${clock()} ${relative(root, event.file)} changed: ${event.reason}`);
      break;
    case 'source-started':
      info(`${clock()} source ${event.source}: producing to ${event.topic}${event.details ? ` (${event.details})` : ''}`);
      break;
    case 'source-failed':
      info(`${clock()} source ${event.source}: FAILED: ${describeError(event.error)}`);
      break;
    case 'log-warning':
      info(`${clock()} log: ${event.message}`);
      break;
    case 'notice':
      info(`${clock()} ${event.message}`);
      break;
    case 'alert': {
      // One line per change, so a rule author sees the rule work (receivers get it too).
      const n = event.notification;
      const summary = n.annotations.summary ? `: ${n.annotations.summary}` : '';
      info(`${clock()} ALERT ${n.status === 'firing' ? 'FIRING' : 'resolved'} ${n.rule} ${n.key} (${n.severity})${summary}`);
      break;
    }
    default:
      break;
  }
}

