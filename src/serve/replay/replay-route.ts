/**
 * POST /api/replay — a replay (stream/replay/replay.ts) run inside this process, for
 * `fastdata replay` beside a running `fastdata dev`: dev holds the embedded log, so the CLI
 * cannot open it, and asks dev to run the replay instead (cli/commands/replay.ts finds the
 * server in `<dataDir>/server.json`). Admin scope (guard/scopes.ts): it runs the project's
 * code and writes a topic and a schema.
 *
 * Body: `{ module, from, to?, output, root? }`; `from`/`to` as epoch ms or as the query
 * parameters take a time (-10m, now, ISO 8601); `root`: the project the client means, refused
 * when it is not this process's (the module is loaded from this process's streams folder).
 *
 *   200 application/x-ndjson, one JSON object per line, as the replay goes:
 *       { type: 'started', module, inputs, liveOutput, from, to?, output, where }
 *       { type: 'progress', partition, partitions, read, outputs }     after each batch and partition
 *       { type: 'done', result }                                       ReplayResult
 *       { type: 'error', error: { code, message, field? } }            the replay failed midway
 *   400/404 { error }   bad arguments, an unknown module, a refused output topic (checked before the 200)
 *   409 { error }       FD_REPLAY_BUSY: another replay runs in this process
 *
 * The live modules are untouched: the replay reads with plain readers up to the end offsets
 * of its start, writes only its own topic, holds one partition's state, yields after every
 * batch, and runs one at a time. It stops when its client goes away or the server closes.
 */
import { realpath } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { FastdataError, errorMessage, isFastdataError } from '../../errors.js';
import type { Log } from '../../log/types.js';
import type { AvroSerde } from '../../schema/serde.js';
import { type ReplayOptions, checkReplay, replay } from '../../stream/replay/replay.js';
import { findStreamModule } from '../../stream/replay/replay-module.js';
import { parsePointInTime } from '../../time/point-in-time.js';
import { apiErrorHandler } from '../api-errors.js';

export interface ReplayRouteOptions {
  log: Log;
  serde: AvroSerde;
  /** The project root of this process: the module's schema path is resolved here. */
  root: string;
  /** The streams folder the module is loaded from (afresh, as its file is now). */
  streamsDir: string;
  defaultPartitions: number;
  /** What the replay runs on, for the client's terminal: "the embedded log in …". */
  description: string;
}

export interface ReplayRequest {
  module: string;
  from: number | string;
  to?: number | string;
  output: string;
  root?: string;
}

const TIME = { anyOf: [{ type: 'integer' }, { type: 'string', minLength: 1, maxLength: 64 }] };
export const REPLAY_BODY_SCHEMA = {
  type: 'object',
  required: ['module', 'from', 'output'],
  additionalProperties: false,
  properties: {
    module: { type: 'string', minLength: 1, maxLength: 249 },
    from: TIME,
    to: TIME,
    output: { type: 'string', minLength: 1, maxLength: 249 },
    root: { type: 'string', minLength: 1, maxLength: 4096 },
  },
};

export const replayRoutes: FastifyPluginAsync<{ replay: ReplayRouteOptions }> = async (app: FastifyInstance, { replay: options }) => {
  app.setErrorHandler(apiErrorHandler);
  let running: { abort: AbortController; done: Promise<void> } | undefined;
  // The log closes after the server: a replay still running stops first.
  app.addHook('onClose', async () => {
    running?.abort.abort(new Error('the server stopped'));
    await running?.done;
  });

  app.post<{ Body: ReplayRequest }>('/api/replay', { schema: { body: REPLAY_BODY_SCHEMA } }, async (request, reply) => {
    if (running) {
      return reply.code(409).send({ error: { code: 'FD_REPLAY_BUSY', message: 'another replay runs in this process; wait until it ends (one at a time, so the live modules keep their share), then run yours' } });
    }
    const body = request.body;
    await checkProject(body.root, options.root);
    const now = Date.now();
    const from = timeOf('from', body.from, now);
    const to = body.to === undefined ? undefined : timeOf('to', body.to, now);
    const module = await findStreamModule(options.streamsDir, options.root, body.module, { fresh: true });
    const abort = new AbortController();
    const replayOptions: ReplayOptions = {
      log: options.log,
      serde: options.serde,
      root: options.root,
      module,
      output: body.output,
      from,
      ...(to !== undefined ? { to } : {}),
      defaultPartitions: options.defaultPartitions,
      signal: abort.signal,
    };
    // Refusals (the output topic, the range, missing inputs) answer 4xx before any line is sent.
    await checkReplay(replayOptions);
    if (running) return reply.code(409).send({ error: { code: 'FD_REPLAY_BUSY', message: 'another replay started meanwhile; wait until it ends, then run yours' } });

    const lines = new PassThrough();
    const send = (line: unknown) => {
      if (!lines.writableEnded) lines.write(`${JSON.stringify(line)}\n`);
    };
    // The client went away (Ctrl-C): nobody reads the rest, so stop.
    reply.raw.on('close', () => {
      if (!reply.raw.writableFinished) abort.abort(new Error('the client went away'));
    });
    send({ type: 'started', module: module.name, inputs: module.inputs.map((i) => i.topic), liveOutput: module.output.topic, from, ...(to !== undefined ? { to } : {}), output: body.output, where: options.description });
    const done = replay({ ...replayOptions, onProgress: (progress) => send({ type: 'progress', ...progress }) })
      .then(
        (result) => send({ type: 'done', result }),
        (error: unknown) => {
          if (!isFastdataError(error, 'FD_REPLAY_ABORTED')) request.log.warn({ err: error }, 'replay failed');
          send({ type: 'error', error: isFastdataError(error) ? { code: error.code, message: error.message, ...(error.context.field ? { field: error.context.field } : {}) } : { code: 'FD_INTERNAL', message: errorMessage(error) } });
        },
      )
      .finally(() => {
        lines.end();
        running = undefined;
      });
    running = { abort, done };
    return reply.code(200).type('application/x-ndjson; charset=utf-8').header('cache-control', 'no-store').send(lines);
  });
};

function timeOf(field: 'from' | 'to', value: number | string, now: number): number {
  return typeof value === 'number' ? value : parsePointInTime(field, value, now);
}

/** The client's project must be this process's: the module is loaded from here. */
async function checkProject(theirs: string | undefined, ours: string): Promise<void> {
  if (theirs === undefined) return;
  const [a, b] = await Promise.all([realpath(theirs).catch(() => theirs), realpath(ours).catch(() => ours)]);
  if (a === b) return;
  throw new FastdataError(
    'FD_ARGUMENT_INVALID',
    `root: ${theirs} is not the project this process runs, and a replay here runs the modules of this process's own streams folder. ` +
      'Stop the process holding the data dir and replay there, or replay on a copy of the data dir (--data-dir)',
    { context: { field: 'root' } },
  );
}
