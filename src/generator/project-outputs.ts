/**
 * The output topics of an existing project and their schemas, for `new alert` and
 * `new dashboard`: found the way `fastdata alerts test` finds them, by loading the stream
 * modules and reading each one's output schema, so a generated rule or dashboard names
 * fields that the running project will register.
 */
import { join, relative } from 'node:path';
import { FastdataError, errorMessage } from '../errors.js';
import { readSchemaSource } from '../schema/schema-file.js';
import { loadStreamModules } from '../stream/module-loader.js';

export interface ProjectOutput {
  topic: string;
  module: string;
  schema: object;
}

export interface ProjectOutputs {
  outputs: ProjectOutput[];
  /** Modules that did not load, as `file: message`: a wanted topic may be among them. */
  failures: string[];
}

export async function projectOutputs(root: string, streamsDir: string): Promise<ProjectOutputs> {
  const { streams, failures } = await loadStreamModules(join(root, streamsDir), root);
  const outputs: ProjectOutput[] = [];
  const problems = failures.map((f) => `${relative(root, f.file)}: ${f.error.message}`);
  for (const { module, file } of streams) {
    try {
      const source = await readSchemaSource(module.output.schema, root, { stream: module.name });
      outputs.push({ topic: module.output.topic, module: module.name, schema: (typeof source === 'string' ? JSON.parse(source) : source) as object });
    } catch (error) {
      problems.push(`${relative(root, file)}: its output schema cannot be read: ${errorMessage(error)}`);
    }
  }
  return { outputs: outputs.sort((a, b) => a.topic.localeCompare(b.topic)), failures: problems };
}

/**
 * The output `topic` (from the flag `argument`), or the first output when `topic` is
 * undefined; FD_ARGUMENT_INVALID listing the outputs (and modules that failed) otherwise.
 */
export function pickOutput(found: ProjectOutputs, topic: string | undefined, argument: string): ProjectOutput {
  const output = topic === undefined ? found.outputs[0] : found.outputs.find((o) => o.topic === topic);
  if (output) return output;
  const known = found.outputs.length > 0 ? `the outputs of this project are ${found.outputs.map((o) => o.topic).join(', ')}` : 'this project has no stream module with an output yet (add one: fastdata new stream <name>)';
  const failed = found.failures.length > 0 ? `; modules that did not load: ${found.failures.join('; ')}` : '';
  const what = topic === undefined ? `no output topic to use for ${argument}` : `${argument} ${JSON.stringify(topic)} is not the output of a stream module`;
  throw new FastdataError('FD_ARGUMENT_INVALID', `${what}: ${known}${failed}`, { context: { field: argument } });
}
