/**
 * Loads `sources/*.yaml`: each file's shape (TypeBox + Ajv through validated-file), then
 * what a schema cannot say: the options of the file's own kind and no other, the `.avsc`
 * exists and is an Avro record, the key and time fields are fields of it, the file to
 * read is inside the project. Every problem names the file, the line and the field, and
 * the other files still load: one bad source never stops the others.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import avsc from 'avsc';
import { type Problem, parseAndValidate } from '../../config/validated-file.js';
import { yamlLocator } from '../../config/yaml-position.js';
import { errorMessage } from '../../errors.js';
import { formatOfPath } from '../file/formats.js';
import { SOURCE_KINDS, SourceFile, type SourceFileValue } from './source-file-schema.js';

/** Where a source's schema comes from. */
export type DeclaredSchema =
  | { from: 'file'; path: string; avro: object }
  /** Inferred from the first records, registered, and shown for the author to save. */
  | { from: 'infer' }
  /** The topic's latest registered schema (`<topic>-value`), looked up when the source starts. */
  | { from: 'registry' };

export interface SourceDeclaration extends Omit<SourceFileValue, 'schema'> {
  /** The file's name without its extension: `sources/fleet-recording.yaml` is `fleet-recording`. */
  name: string;
  /** The source file, relative to the project root: `sources/fleet-recording.yaml`. */
  definedIn: string;
  schema: DeclaredSchema;
}

export interface LoadedSources {
  sources: SourceDeclaration[];
  problems: Problem[];
}

export const SOURCE_FILE = /^[^.].*\.ya?ml$/;
const NAME = /^[a-z0-9][a-z0-9-]{0,99}$/;
/** A source file declares one source: a few hundred bytes. Far past that it is a mistake (or an attack), not read. */
const MAX_FILE_BYTES = 256 * 1024;

/** Every source of `dir` (the project's `sources/` folder), in file order; none when the folder does not exist. */
export async function loadSources(root: string, dir: string): Promise<LoadedSources> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => SOURCE_FILE.test(n)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { sources: [], problems: [] };
    throw error;
  }
  const sources: SourceDeclaration[] = [];
  const problems: Problem[] = [];
  for (const name of names) {
    const loaded = await loadSourceFile(root, join(dir, name));
    if (loaded.source) sources.push(loaded.source);
    problems.push(...loaded.problems);
  }
  return { sources, problems };
}

/** One source file: its declaration, or the problems that keep it from running. */
export async function loadSourceFile(root: string, path: string): Promise<{ source?: SourceDeclaration; problems: Problem[] }> {
  const file = relative(root, path);
  let text: string;
  try {
    const size = (await stat(path)).size;
    if (size > MAX_FILE_BYTES) return { problems: [{ file, field: '(file)', message: `is ${size} bytes, over the ${MAX_FILE_BYTES} a source file may have: it declares one source; put data in the file it reads` }] };
    text = await readFile(path, 'utf8');
  } catch (error) {
    return { problems: [{ file, field: '(file)', message: `cannot be read: ${errorMessage(error)}` }] };
  }
  const loaded = parseAndValidate(file, text, SourceFile);
  if (loaded.problems.length > 0) return { problems: loaded.problems };
  const spec = loaded.value;
  const locate = yamlLocator(text);
  const problem = (path: (string | number)[], message: string, key = false): Problem => ({ file, ...locate(path, { key }), field: path.join('.'), message });
  const problems: Problem[] = [];

  const name = basename(path).replace(/\.ya?ml$/, '');
  if (!NAME.test(name)) problems.push({ file, field: '(file)', message: `the source is named after its file: rename it to lower-case letters, digits and - (e.g. ${name.toLowerCase().replace(/[^a-z0-9-]+/g, '-')}.yaml)` });

  problems.push(...kindProblems(spec, problem));
  const schema = await declaredSchema(root, spec, problem, problems);
  if (schema?.from === 'file') problems.push(...fieldProblems(spec, schema.avro, problem));
  if (spec.file && !insideProject(root, spec.file.path)) {
    problems.push(problem(['file', 'path'], `${spec.file.path} is outside the project; give a path inside it (relative to ${root})`));
  }
  if (problems.length > 0 || !schema) return { problems };
  return { source: { ...spec, name, definedIn: file, schema }, problems: [] };
}

/** The options section of the source's kind is there, and no other kind's. */
function kindProblems(spec: SourceFileValue, problem: (path: (string | number)[], message: string, key?: boolean) => Problem): Problem[] {
  const problems: Problem[] = [];
  const needs: Record<(typeof SOURCE_KINDS)[number], 'file' | 'mqtt' | 'kafka' | undefined> = { file: 'file', mqtt: 'mqtt', kafka: 'kafka', http: undefined };
  const own = needs[spec.kind];
  if (own && spec[own] === undefined) problems.push(problem(['kind'], `a ${spec.kind} source needs a \`${own}:\` section (see docs/sources.md)`));
  for (const section of ['file', 'mqtt', 'kafka'] as const) {
    if (section !== own && spec[section] !== undefined) problems.push(problem([section], `is for ${section} sources; this one is of kind ${spec.kind}: remove it, or change kind`, true));
  }
  if (spec.schema === 'infer' && spec.kind !== 'file' && spec.kind !== 'mqtt') {
    problems.push(problem(['schema'], `only file and mqtt sources infer a schema from their records; give the .avsc file of ${spec.topic}, or leave schema out to use its registered one`));
  }
  let format: string | undefined = spec.file?.format;
  if (spec.file && format === undefined) {
    try {
      format = formatOfPath(spec.file.path);
    } catch (error) {
      problems.push(problem(['file', 'path'], errorMessage(error)));
    }
  }
  if (spec.file?.follow && (format === 'avro' || format === 'parquet')) {
    problems.push(problem(['file', 'follow'], `${format} files are written whole, not appended line by line: follow works for csv and jsonl; remove follow`));
  }
  const replay = spec.file?.replay;
  if (spec.file?.follow && replay?.loop) problems.push(problem(['file', 'replay', 'loop'], 'a followed file has no end to loop from: remove loop or follow'));
  if (replay && replay.speed !== 'max' && spec.time === undefined) {
    problems.push(problem(['file', 'replay', 'speed'], `pacing by event time needs the field that holds it: add \`time: <field>\` to the source, or set speed: max`));
  }
  if (replay?.retime && spec.time === undefined) problems.push(problem(['file', 'replay', 'retime'], 'retiming shifts the event time field: add `time: <field>` to the source'));
  if (replay?.loop && replay.speed === 'max') {
    problems.push(problem(['file', 'replay', 'loop'], 'a loop at speed max would write without end as fast as the log takes it: give a speed such as 1x or 60x'));
  }
  if (spec.kafka?.format === 'json' && spec.kafka.from === undefined) {
    problems.push(problem(['kafka'], 'a json kafka source reads the topic its producers write: add `from: <topic>` (fastdata writes the records, checked and in Avro, to `topic`)'));
  }
  if (spec.kafka?.format === 'avro' && spec.kafka.from !== undefined && spec.kafka.from !== spec.topic) {
    problems.push(problem(['kafka', 'from'], `an avro kafka source is the topic its producers write (${spec.topic}): remove from`));
  }
  if (spec.kafka?.format === 'json' && spec.kafka.from === spec.topic) {
    problems.push(problem(['kafka', 'from'], `reads JSON from ${spec.kafka.from} and writes Avro to topic: they must be different topics`));
  }
  return problems;
}

async function declaredSchema(root: string, spec: SourceFileValue, problem: (path: (string | number)[], message: string) => Problem, problems: Problem[]): Promise<DeclaredSchema | undefined> {
  if (spec.schema === undefined) return { from: 'registry' };
  if (spec.schema === 'infer') return { from: 'infer' };
  if (!insideProject(root, spec.schema)) {
    problems.push(problem(['schema'], `${spec.schema} is outside the project; give an .avsc file inside it`));
    return undefined;
  }
  let avro: unknown;
  try {
    avro = JSON.parse(await readFile(resolve(root, spec.schema), 'utf8'));
  } catch (error) {
    problems.push(problem(['schema'], `${spec.schema} cannot be read as JSON: ${errorMessage(error)}`));
    return undefined;
  }
  try {
    const type = avsc.Type.forSchema(avro as avsc.Schema);
    if (type.typeName !== 'record') throw new Error(`it is a ${type.typeName}, not a record`);
  } catch (error) {
    problems.push(problem(['schema'], `${spec.schema} is not an Avro record schema: ${errorMessage(error)}`));
    return undefined;
  }
  return { from: 'file', path: spec.schema, avro: avro as object };
}

/** The key and time fields are top-level fields of the schema. */
export function fieldProblems(spec: Pick<SourceFileValue, 'key' | 'time' | 'topic'>, avro: object, problem: (path: (string | number)[], message: string) => Problem): Problem[] {
  const fields = ((avro as { fields?: { name: string }[] }).fields ?? []).map((f) => f.name);
  const problems: Problem[] = [];
  for (const setting of ['key', 'time'] as const) {
    const field = spec[setting];
    if (field !== undefined && !fields.includes(field)) problems.push(problem([setting], `${field} is not a field of the schema of ${spec.topic} (its fields: ${fields.join(', ')})`));
  }
  return problems;
}

function insideProject(root: string, path: string): boolean {
  if (isAbsolute(path)) return false;
  const rel = relative(root, resolve(root, path));
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}
