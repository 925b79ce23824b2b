/**
 * Runs `alerts/*.test.yaml` against the project's rules, with the alert engine itself
 * (the same RuleEvaluator the runtime uses) and no server: records and watermarks in,
 * notifications out, compared with what each test expects.
 */
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parseAndValidate, readTextFile, type Problem } from '../../config/validated-file.js';
import { errorMessage } from '../../errors.js';
import { parseAvroSchema } from '../../schema/avro.js';
import { toMillis } from '../../time/duration.js';
import { RuleEvaluator, type AlertNotification } from '../engine/index.js';
import { loadAlertRules, type CompiledRule, type SchemaOf } from '../rules/index.js';
import { AlertTestFileSchema, type AlertTest } from './test-file.js';

export interface AlertTestResult {
  file: string;
  name: string;
  passed: boolean;
  /** What differed, one line each. */
  failures: string[];
}

export interface AlertTestRun {
  results: AlertTestResult[];
  /** Rule files and test files that did not load: nothing was run for them. */
  problems: Problem[];
}

const DEFAULT_START = Date.parse('2026-01-01T00:00:00Z');

const fmt = (ms: number, start: number) => `${(ms - start) / 1000}s`;

function describe(n: { status: string; key: string; at: number }, start: number): string {
  return `${n.status} ${n.key} at ${fmt(n.at, start)}`;
}

function runOne(test: AlertTest, rule: CompiledRule, schema: object | undefined): string[] {
  const start = test.start === undefined ? DEFAULT_START : Date.parse(test.start);
  if (Number.isNaN(start)) return [`start: ${JSON.stringify(test.start)} is not an ISO time such as 2026-01-01T00:00:00Z`];
  const type = schema ? parseAvroSchema(schema).type : undefined;
  const evaluator = new RuleEvaluator(rule);
  const sent: AlertNotification[] = [];
  const failures: string[] = [];
  test.input.forEach((step, i) => {
    if ('watermark' in step) {
      sent.push(...evaluator.advance(start + toMillis(step.watermark, { what: `input.${i}.watermark`, allowZero: true })));
      return;
    }
    const value = { ...(test.defaults ?? {}), ...step.value };
    const bad: string[] = [];
    if (type && !type.isValid(value, { errorHook: (path: string[]) => bad.push(path.join('.') || '(record)') })) {
      failures.push(`input.${i}.value: not a record of ${rule.source}: ${bad.join(', ')} missing or of the wrong type`);
      return;
    }
    sent.push(...evaluator.observe(value, start + toMillis(step.at, { what: `input.${i}.at`, allowZero: true })));
  });
  const got = sent.map((n) => ({ status: n.status, key: n.key, at: n.status === 'firing' ? n.startsAt : (n.endsAt ?? n.startsAt), annotations: n.annotations }));
  const want = test.expect.map((e, i) => ({ ...e, at: start + toMillis(e.at, { what: `expect.${i}.at`, allowZero: true }) }));
  for (let i = 0; i < Math.max(got.length, want.length); i++) {
    const g = got[i];
    const w = want[i];
    if (!w) failures.push(`unexpected notification ${i + 1}: ${describe(g!, start)}`);
    else if (!g) failures.push(`missing notification ${i + 1}: ${describe(w, start)}`);
    else if (g.status !== w.status || g.key !== w.key || g.at !== w.at) failures.push(`notification ${i + 1}: expected ${describe(w, start)}, got ${describe(g, start)}`);
    else {
      for (const [name, text] of Object.entries(w.annotations ?? {})) {
        if (g.annotations[name] !== text) failures.push(`notification ${i + 1}: annotation ${name}: expected ${JSON.stringify(text)}, got ${JSON.stringify(g.annotations[name])}`);
      }
    }
  }
  return failures;
}

export async function runAlertTests(options: { root: string; dir: string; schemaOf: SchemaOf }): Promise<AlertTestRun> {
  const { rules, problems } = await loadAlertRules(options.dir, options.schemaOf, undefined);
  const byName = new Map(rules.map((r) => [r.name, r]));
  const results: AlertTestResult[] = [];
  let files: string[] = [];
  try {
    files = (await readdir(options.dir)).filter((n) => /\.test\.ya?ml$/.test(n)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  for (const name of files) {
    const path = join(options.dir, name);
    const shown = relative(options.root, path);
    const loaded = parseAndValidate(shown, await readTextFile(path), AlertTestFileSchema);
    problems.push(...loaded.problems);
    // A file with a problem runs nothing: a half-read test would pass or fail for the wrong reason.
    if (loaded.problems.length > 0 || !loaded.value) continue;
    for (const test of loaded.value.tests) {
      const rule = byName.get(test.rule);
      if (!rule) {
        results.push({ file: shown, name: test.name, passed: false, failures: [`rule: no rule named ${JSON.stringify(test.rule)} loaded; the rules are ${[...byName.keys()].join(', ') || '(none)'}`] });
        continue;
      }
      let failures: string[];
      try {
        failures = runOne(test, rule, await options.schemaOf(rule.source));
      } catch (error) {
        failures = [errorMessage(error)];
      }
      results.push({ file: shown, name: test.name, passed: failures.length === 0, failures });
    }
  }
  return { results, problems };
}

