/** What a fastdata process reports, as typed events: the CLI prints them, tests wait for them. */
import type { AlertNotification } from '../alerts/engine/index.js';
import type { RunnerEvent } from '../stream/runner-events.js';
import type { ReloadEvent } from './reload/hot-reload.js';

export type AppEvent =
  | RunnerEvent
  | ReloadEvent
  | { type: 'load-failed'; file: string; error: unknown }
  | { type: 'source-started'; source: string; topic: string; details?: string }
  | { type: 'source-failed'; source: string; error: unknown }
  | { type: 'log-warning'; message: string }
  /** Something worth a line in the terminal that is neither a warning nor a module's (types regenerated). */
  | { type: 'notice'; message: string }
  /** `silencedBy`: the silence that keeps this firing from the receivers (resolves are always sent). */
  | { type: 'alert'; notification: AlertNotification; silencedBy?: { id: string; comment: string } }
  /** A role of the process started (`detail`: where it serves, what it runs). */
  | { type: 'role-started'; role: string; detail?: string };
