import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatProblem } from '../../../src/config/validated-file.js';
import { loadSources } from '../../../src/sources/declared/load-sources.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { READING_SCHEMA } from '../../fixtures/reading-schema.js';


describe('sources/*.yaml', () => {
  let root: string;
  let remove: () => Promise<void>;

  beforeEach(async () => {
    ({ path: root, remove } = await tempDir());
    await mkdir(join(root, 'sources'));
    await mkdir(join(root, 'schemas'));
    await writeFile(join(root, 'schemas/reading.avsc'), JSON.stringify(READING_SCHEMA));
  });
  afterEach(() => remove());

  const write = (name: string, text: string) => writeFile(join(root, 'sources', name), text);
  const load = () => loadSources(root, join(root, 'sources'));

  it('loads a good file of each kind, named after its file, with its schema read', async () => {
    await write('recorded.yaml', 'kind: file\ntopic: readings\nschema: schemas/reading.avsc\nkey: id\ntime: ts\nfile:\n  path: data/r.csv\n  replay: { speed: 60x, retime: true, loop: true }\n');
    await write('devices.yaml', 'kind: mqtt\ntopic: readings\nschema: infer\nmqtt:\n  url: mqtt://127.0.0.1:1883\n  topics: [plant/+/reading]\n  keyLevel: 1\n');
    await write('posted.yaml', 'kind: http\ntopic: readings\nkey: id\n');
    await write('orders.yaml', 'kind: kafka\ntopic: orders\nkafka: { format: json, from: orders.json }\n');
    const { sources, problems } = await load();
    expect(problems).toEqual([]);
    expect(sources.map((s) => [s.name, s.kind, s.definedIn, s.schema.from])).toEqual([
      ['devices', 'mqtt', 'sources/devices.yaml', 'infer'],
      ['orders', 'kafka', 'sources/orders.yaml', 'registry'],
      ['posted', 'http', 'sources/posted.yaml', 'registry'],
      ['recorded', 'file', 'sources/recorded.yaml', 'file'],
    ]);
    const recorded = sources.find((s) => s.name === 'recorded')!;
    expect(recorded.schema).toEqual({ from: 'file', path: 'schemas/reading.avsc', avro: READING_SCHEMA });
    expect(recorded.file?.replay).toEqual({ speed: '60x', retime: true, loop: true });
  });

  it('names the file, line and field of every problem, and loads the good files beside a bad one', async () => {
    await write('good.yaml', 'kind: http\ntopic: readings\n');
    await write('typo.yaml', 'kind: file\ntopic: readings\nfile:\n  path: data/r.csv\n  folow: true\n');
    await write('kind.yaml', 'kind: ftp\ntopic: readings\n');
    await write('missing.yaml', 'kind: mqtt\ntopic: readings\n');
    await write('field.yaml', 'kind: file\ntopic: readings\nschema: schemas/reading.avsc\nkey: sensor\ntime: ts\nfile: { path: data/r.csv }\n');
    await write('outside.yaml', 'kind: file\ntopic: readings\nfile: { path: ../../etc/passwd.csv }\n');
    await write('pacing.yaml', 'kind: file\ntopic: readings\nfile: { path: data/r.csv, replay: { speed: 1x } }\n');
    await write('flood.yaml', 'kind: file\ntopic: readings\ntime: ts\nfile: { path: data/r.csv, replay: { speed: max, loop: true } }\n');
    await write('follow.yaml', 'kind: file\ntopic: readings\nfile: { path: data/r.parquet, follow: true }\n');
    await write('extension.yaml', 'kind: file\ntopic: readings\nfile: { path: data/r.txt }\n');
    await write('noschema.yaml', 'kind: file\ntopic: readings\nschema: schemas/none.avsc\nfile: { path: data/r.csv }\n');
    await write('broken.yaml', 'kind: file\ntopic: [readings\n');
    await write('Bad Name.yaml', 'kind: http\ntopic: readings\n');
    const { sources, problems } = await load();
    expect(sources.map((s) => s.name)).toEqual(['good']);
    const text = problems.map(formatProblem);
    const about = (file: string) => text.filter((t) => t.startsWith(`sources/${file}`));
    expect(about('typo.yaml')[0]).toMatch(/^sources\/typo\.yaml:5:3 file\.folow: unknown setting \(did you mean follow\?\)/);
    expect(about('kind.yaml')[0]).toMatch(/^sources\/kind\.yaml:1:\d+ kind: must be one of "file", "mqtt", "http", "kafka"/);
    expect(about('missing.yaml')[0]).toMatch(/kind: a mqtt source needs a `mqtt:` section/);
    expect(about('field.yaml')[0]).toMatch(/^sources\/field\.yaml:4:\d+ key: sensor is not a field of the schema of readings \(its fields: id, ts, value\)/);
    expect(about('outside.yaml')[0]).toMatch(/file\.path: \.\.\/\.\.\/etc\/passwd\.csv is outside the project/);
    expect(about('pacing.yaml')[0]).toMatch(/file\.replay\.speed: pacing by event time needs the field that holds it/);
    expect(about('flood.yaml')[0]).toMatch(/file\.replay\.loop: a loop at speed max/);
    expect(about('follow.yaml')[0]).toMatch(/file\.follow: parquet files are written whole/);
    expect(about('extension.yaml')[0]).toMatch(/file\.path: cannot tell the format of data\/r\.txt.*format:/);
    expect(about('noschema.yaml')[0]).toMatch(/schema: schemas\/none\.avsc cannot be read/);
    expect(about('broken.yaml')).toHaveLength(1);
    expect(about('broken.yaml')[0]).toMatch(/^sources\/broken\.yaml:\d+:\d+ \(file\)/);
    expect(about('Bad Name.yaml')[0]).toMatch(/rename it .*bad-name\.yaml/);
  });

  it('refuses a YAML alias bomb as one problem of its file', async () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`)].join('\n');
    await write('bomb.yaml', bomb);
    await write('good.yaml', 'kind: http\ntopic: readings\n');
    const { sources, problems } = await load();
    expect(sources.map((s) => s.name)).toEqual(['good']);
    expect(problems.map((p) => p.file)).toEqual(['sources/bomb.yaml']);
  });

  it('does not read a file far larger than a source declaration', async () => {
    await write('huge.yaml', `kind: http\ntopic: readings\n#${'x'.repeat(300 * 1024)}\n`);
    const { sources, problems } = await load();
    expect(sources).toEqual([]);
    expect(problems[0]!.message).toMatch(/is \d+ bytes, over the 262144 a source file may have/);
  });

  it('has no sources when the folder does not exist', async () => {
    expect(await loadSources(root, join(root, 'nothing-here'))).toEqual({ sources: [], problems: [] });
  });
});
