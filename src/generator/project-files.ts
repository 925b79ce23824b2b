/**
 * The files of `fastdata init`: the project skeleton (templates/project) and its
 * package.json, plus one example of each thing `fastdata new` adds, made the same way:
 * a windowed module over the demo generator's readings, an alert rule on its output and
 * a dashboard of it. `npm start` then shows output records at once (the generator writes
 * ten minutes of history first).
 */
import { alertFiles } from './alert-files.js';
import { dashboardFiles } from './dashboard-files.js';
import { avroNamespace } from './names.js';
import { projectPackageJson } from './package-json.js';
import type { PlannedFile } from './planned-file.js';
import { renderTemplate } from './render.js';
import { outputSchemaOf, streamFiles } from './stream-files.js';

/** The examples `init` writes, exported for tests and docs. */
export const EXAMPLE = {
  stream: 'temperature-stats',
  topic: 'temperature-stats',
  alert: 'hot-sensor',
  dashboard: 'sensors',
  /** Receivers in templates/project/alerts/receivers.yaml. */
  receivers: ['audit'],
} as const;

/** `fastdataSpec`: how package.json depends on fastdata (fastdata-dependency.ts). */
export async function projectFiles(name: string, fastdataSpec: string): Promise<PlannedFile[]> {
  const stream = await streamFiles({ name: EXAMPLE.stream, topic: EXAMPLE.topic, namespace: avroNamespace(name) });
  const schema = outputSchemaOf(stream, EXAMPLE.stream);
  const alert = await alertFiles({
    name: EXAMPLE.alert,
    source: EXAMPLE.topic,
    schema,
    field: 'meanTemperature',
    // The fleet's sensors sit at 18-26 °C; its overheating fault adds 8 °C.
    above: 29,
    receivers: EXAMPLE.receivers,
    keyValue: 'sensor-07',
  });
  const dashboard = await dashboardFiles({ name: EXAMPLE.dashboard, topic: EXAMPLE.topic, schema, field: 'meanTemperature' });
  // A fastdata tarball in vendor/ (fastdata-dependency.ts) must be in the image before npm ci, and in git for a teammate's npm install.
  const vendored = fastdataSpec.startsWith('file:vendor/');
  const skeleton = await renderTemplate('project', {
    project: name,
    stream: EXAMPLE.stream,
    streamTopic: EXAMPLE.topic,
    dashboard: EXAMPLE.dashboard,
    copyVendor: vendored ? 'COPY vendor ./vendor\n' : '',
    vendorNote: vendored
      ? '\n`package.json` takes fastdata from `vendor/` (a tarball of the fastdata that ran `fastdata init`)\nwhile fastdata is not on the npm registry: commit `vendor/`, so that `npm install` works for\neveryone who clones the project.\n'
      : '',
  });
  return [{ path: 'package.json', content: projectPackageJson(name, fastdataSpec) }, ...skeleton, ...stream, ...alert, ...dashboard];
}
