/** How the terminal commands (dev, run) print what the app reports. */
import { relative } from 'node:path';
import type { AppEvent } from '../app/events.js';
import { AlertLines } from './alert-line.js';
import { DeadLetterSummary } from './dead-letter-summary.js';
import { clock, describeError, info } from './output.js';

export { DeadLetterSummary } from './dead-letter-summary.js';

/** Dead letters summed up in the terminal: the first of each kind at once, then lines of counts, spaced further apart while they keep coming. */
export function terminalDeadLetterSummary(): DeadLetterSummary {
  return new DeadLetterSummary({ print: (line) => info(`${clock()} ${line}`) });
}

/** One terminal per process: its alert lines remember the firings they printed, for the resolves. */
const alertLines = new AlertLines();

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
    case 'file-reloaded':
      for (const change of event.changes) info(`${clock()} ${relative(root, event.file)}: ${event.what} reloaded: ${change}`);
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
    case 'alert':
      // One line per change, at once, so a rule author sees the rule work (receivers get it too, unless silenced).
      info(`${clock()} ${alertLines.line(event.notification, event.silencedBy)}`);
      break;
    default:
      break;
  }
}

