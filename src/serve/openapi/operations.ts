/** Every documented operation of the API but the registry's, by `METHOD /path` (OpenAPI's `{name}` form). */
import type { Operation } from './common.js';
import { alertOperations } from './paths-alerts.js';
import { catalogOperations } from './paths-catalog.js';
import { dashboardOperations } from './paths-dashboards.js';
import { ingestOperations } from './paths-ingest.js';
import { outputOperations } from './paths-outputs.js';
import { platformOperations } from './paths-platform.js';
import { replayOperations } from './paths-replay.js';

export const OPERATIONS: Record<string, Operation> = {
  ...platformOperations,
  ...outputOperations,
  ...alertOperations,
  ...catalogOperations,
  ...dashboardOperations,
  ...ingestOperations,
  ...replayOperations,
};
