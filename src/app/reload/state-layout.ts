/**
 * The state layout of a stream module: what its changelog entries mean, so hot reload can
 * tell whether a new version of the module can take over the old version's state.
 *
 * The rule (docs/authoring.md): the layout is
 *   - the input topics with their aliases (state is per input partition, built from them),
 *   - whether each keyBy repartitions or takes the input's partitioning (which task holds a key), and
 *   - for every state store the pipeline creates when it is subscribed, its name and what
 *     its operator declares: for `aggregate`, the window (kind, size, advance, grace, emit;
 *     when the window comes straight before it, as usual) and each accumulator's field name,
 *     initial value and add function (so count -> sum is a change, mean of another field is
 *     not); for `reduce`, `collect` and `topK`, the window, the function's text and the
 *     limit or k; for `mapWithState`, its TTL; for `joinStream`, within, grace and kind.
 *     Tables (`joinTable`) are no state: their rows are read again from their topic.
 * Anything else (the output mapping, filters, the doc, the output topic, the event time
 * function, what a field function reads) may change with the state kept. An author who
 * wants fresh state anyway renames the operator (`aggregate({...}, { name: 'stats-v2' })`).
 *
 * The layout is found by subscribing the pipeline once in a throwaway task, which also
 * proves that the pipeline function runs: a module whose pipeline throws is not loaded.
 */
import { isDeepStrictEqual } from 'node:util';
import type { StreamModule } from '../../stream/define.js';
import { probePipeline } from '../../stream/topology.js';

export interface StateLayout {
  inputs: Record<string, string>;
  /** How each keyBy gets its keys to their task: starting to repartition moves keys to other tasks. */
  keyBys: Record<string, string>;
  stores: Record<string, unknown>;
}

/** Subscribes the module's pipeline in a throwaway task; throws what the pipeline function throws. */
export function stateLayoutOf(module: StreamModule): StateLayout {
  return probePipeline(module, (task) => {
    const stores: Record<string, unknown> = {};
    for (const [name] of task.ctx.storeEntries()) stores[name] = task.ctx.storeLayouts().get(name) ?? { kind: 'undeclared' };
    const inputs = Object.fromEntries(module.inputs.map((i) => [i.alias, i.topic]));
    const keyBys = Object.fromEntries(task.ctx.keyByModes());
    // Through JSON: functions' texts and numbers only, so two layouts compare as data.
    return JSON.parse(JSON.stringify({ inputs, keyBys, stores })) as StateLayout;
  });
}

/** Why `next` cannot take over the state of `previous`, in a few words; undefined when it can. */
export function layoutChange(previous: StateLayout, next: StateLayout): string | undefined {
  if (!isDeepStrictEqual(previous.inputs, next.inputs)) {
    return `inputs ${describeInputs(previous.inputs)} -> ${describeInputs(next.inputs)}`;
  }
  const reasons: string[] = [];
  for (const [name, mode] of Object.entries(next.keyBys)) {
    const before = previous.keyBys[name];
    if (before !== undefined && before !== mode) reasons.push(`keyBy '${name}' ${mode === 'repartition' ? 'now repartitions' : "is now partitioned: 'input'"}`);
  }
  for (const name of Object.keys(previous.stores)) {
    if (!(name in next.stores)) reasons.push(`state '${name}' removed or renamed`);
  }
  for (const [name, layout] of Object.entries(next.stores)) {
    if (!(name in previous.stores)) reasons.push(`state '${name}' added`);
    else if (!isDeepStrictEqual(previous.stores[name], layout)) reasons.push(`state '${name}' ${whatChanged(previous.stores[name], layout)}`);
  }
  return reasons.length > 0 ? reasons.join('; ') : undefined;
}

function describeInputs(inputs: Record<string, string>): string {
  return `{${Object.entries(inputs).map(([alias, topic]) => `${alias}: ${topic}`).join(', ')}}`;
}

/** Which top-level parts of a store's layout differ (window, fields, ttl), for the message. */
function whatChanged(before: unknown, after: unknown): string {
  if (typeof before !== 'object' || typeof after !== 'object' || before === null || after === null) return 'changed';
  const a = before as Record<string, unknown>;
  const b = after as Record<string, unknown>;
  const parts = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !isDeepStrictEqual(a[k], b[k]));
  if (parts.includes('kind')) return 'changed kind';
  return `changed its ${parts.join(' and ')}`;
}
