/**
 * `fastdata alerts test`: runs the rule tests in `alerts/*.test.yaml` against the project's
 * rules, without any server. The schemas of the rules' source topics come from the
 * project's stream modules (their output schemas), as the runtime registers them.
 * Exit code 0 when every test passes, 1 when one fails, 2 when a file does not load.
 */
import { join } from 'node:path';
import { runAlertTests } from '../../alerts/testing/run-tests.js';
import { loadProjectConfig } from '../../config/project-config.js';
import { formatProblem } from '../../config/validated-file.js';
import { outputSchemaOf } from '../../alerts/runtime/schema-of.js';
import { loadStreamModules } from '../../stream/module-loader.js';
import { info } from '../output.js';

export async function alertsTest(options: { dir: string }): Promise<number> {
  const { config, root } = await loadProjectConfig({ dir: options.dir });
  const { streams } = await loadStreamModules(join(root, config.streams), root);
  const schemaOf = outputSchemaOf(streams.map((s) => s.module), root);
  const { results, problems } = await runAlertTests({ root, dir: join(root, 'alerts'), schemaOf });
  for (const problem of problems) info(`not loaded: ${formatProblem(problem)}`);
  for (const r of results) {
    info(`${r.passed ? 'ok  ' : 'FAIL'} ${r.file}: ${r.name}`);
    for (const failure of r.failures) info(`       ${failure}`);
  }
  const failed = results.filter((r) => !r.passed).length;
  info(`${results.length - failed} passed, ${failed} failed${problems.length ? `, ${problems.length} file problem(s)` : ''}`);
  if (problems.length > 0) return 2;
  return failed > 0 ? 1 : 0;
}
