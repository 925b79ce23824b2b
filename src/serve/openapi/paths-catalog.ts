/** The catalog's routes (catalog/routes.ts): topics, modules, lineage, provenance, profiles, schema histories. */
import { DEFAULT_SAMPLE_LIMIT } from '../../catalog/topic-profile.js';
import { errors, json, limitParam, pathParam, topicParam, type Operation } from './common.js';

const tags = ['catalog'];
const list = (description: string) => ({ type: 'array', description, items: { type: 'object' } });
const lineage = {
  type: 'object',
  properties: {
    nodes: { type: 'array', items: { type: 'object', required: ['id', 'kind', 'label'], properties: { id: { type: 'string', description: '<kind>:<name>' }, kind: { type: 'string', enum: ['input', 'source', 'internal', 'output', 'module', 'rule', 'dashboard', 'sink'] }, label: { type: 'string' } } } },
    edges: { type: 'array', items: { type: 'object', required: ['from', 'to'], properties: { from: { type: 'string' }, to: { type: 'string' } } } },
  },
};

/** The profile's sample, as catalog/routes.ts checks it. */
export const PROFILE_LIMIT = { fallback: DEFAULT_SAMPLE_LIMIT, max: 10_000 };

export const catalogOperations: Record<string, Operation> = {
  'GET /api/catalog': {
    tags,
    summary: 'The catalog: topics (writer, readers, schema versions), modules, rules, dashboards, sinks, schemas, lineage, problems',
    responses: {
      '200': json('the catalog', {
        type: 'object',
        properties: {
          inputs: list('declared sources'),
          topics: list('every topic with its role, writer and readers (modules, rules, dashboards, sinks, sources)'),
          modules: list('stream modules with their doc as HTML'),
          rules: list('alert rules'),
          dashboards: list('dashboards'),
          sinks: list('sinks'),
          schemas: list('registry subjects and their versions'),
          lineage,
          problems: { type: 'array', items: { type: 'string' } },
        },
      }),
    },
  },
  'GET /api/catalog/lineage': { tags, summary: 'The lineage graph: nodes and edges, from sources to dashboards and sinks', responses: { '200': json('the graph', lineage) } },
  'GET /api/catalog/outputs/{topic}/provenance': {
    tags,
    summary: 'How an output was made: its writer, inputs with their schema versions, its schema, the code version, the model files it scores with (SHA-256), what it feeds',
    parameters: [topicParam('an output topic')],
    responses: { '200': json('the provenance', { type: 'object', properties: { topic: { type: 'string' }, writer: { type: 'object' }, inputs: { type: 'array' }, schema: { type: 'object' }, code: {}, models: { type: 'array' }, feeds: { type: 'array' } } }), ...errors(400, 404) },
  },
  'GET /api/catalog/topics/{topic}/profile': {
    tags,
    summary: 'Counts, rate, last record and per-field statistics of the newest records; decode failures',
    parameters: [topicParam(), limitParam(PROFILE_LIMIT.fallback, PROFILE_LIMIT.max, 'newest records sampled')],
    responses: { '200': json('the profile', { type: 'object', properties: { topic: { type: 'string' }, partitions: { type: 'integer' }, records: { type: 'integer' }, lastRecordTime: { type: ['integer', 'null'] }, ratePerSecond: { type: 'number' }, sample: { type: 'object' }, fields: { type: 'array' } } }), ...errors(400, 404) },
  },
  'GET /api/catalog/schemas/{subject}': {
    tags,
    summary: 'Every version of a subject, with the field changes between consecutive ones',
    parameters: [pathParam('subject', 'a registry subject, e.g. sensor.stats-value')],
    responses: { '200': json('the history', { type: 'object', properties: { subject: { type: 'string' }, versions: { type: 'array' } } }), ...errors(404) },
  },
  'GET /api/catalog/modules/{name}/code': {
    tags,
    summary: "A module's source file, as text (scope admin: code may hold what a reader should not see)",
    parameters: [pathParam('name', 'a module name')],
    responses: { '200': { description: 'the source', content: { 'text/plain': { schema: { type: 'string' } } } }, ...errors([404, 'no module of that name with a source file']) },
  },
  'GET /catalog': { tags: ['pages'], summary: 'The catalog page (lineage graph, topics, modules)', responses: { '200': { description: 'HTML', content: { 'text/html': { schema: { type: 'string' } } } } } },
};
