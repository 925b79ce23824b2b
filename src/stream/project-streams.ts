/**
 * The modules of a project as a whole: names and output topics must be unique, and a
 * module that reads another's output starts after it (pipelines of pipelines), so the
 * modules are ordered by their lineage; a cycle is an error.
 */
import { FastdataError } from '../errors.js';
import type { LoadedStream } from './module-loader.js';

export function orderStreams(streams: readonly LoadedStream[]): LoadedStream[] {
  const problems: string[] = [];
  const byName = new Map<string, LoadedStream>();
  const byOutput = new Map<string, LoadedStream>();
  for (const s of streams) {
    const other = byName.get(s.module.name);
    if (other) problems.push(`two modules are named ${s.module.name}: ${other.file} and ${s.file}; names must be unique (they name consumer groups and state)`);
    byName.set(s.module.name, s);
    const writer = byOutput.get(s.module.output.topic);
    if (writer) problems.push(`${writer.module.name} and ${s.module.name} both write ${s.module.output.topic}; give each module its own output topic`);
    byOutput.set(s.module.output.topic, s);
  }
  if (problems.length > 0) throw new FastdataError('FD_STREAM_DEFINITION_INVALID', `the project's stream modules do not fit together:\n  - ${problems.join('\n  - ')}`);

  const ordered: LoadedStream[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (s: LoadedStream, path: string[]) => {
    const mark = state.get(s.module.name);
    if (mark === 'done') return;
    if (mark === 'visiting') {
      throw new FastdataError('FD_STREAM_DEFINITION_INVALID', `stream modules form a cycle: ${[...path, s.module.name].join(' -> ')}; a module cannot depend on its own output`);
    }
    state.set(s.module.name, 'visiting');
    for (const input of s.module.inputs) {
      const upstream = byOutput.get(input.topic);
      if (upstream) visit(upstream, [...path, s.module.name]);
    }
    state.set(s.module.name, 'done');
    ordered.push(s);
  };
  for (const s of [...streams].sort((a, b) => a.module.name.localeCompare(b.module.name))) visit(s, []);
  return ordered;
}
