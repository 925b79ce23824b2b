/** POST /api/replay (replay/replay-route.ts): a module replayed over history inside this process. */
import { REPLAY_BODY_SCHEMA } from '../replay/replay-route.js';
import { errors, type Operation } from './common.js';

export const replayOperations: Record<string, Operation> = {
  'POST /api/replay': {
    tags: ['replay'],
    summary: "Replay a module over its inputs' history into a topic of its own, inside this process",
    description:
      'What `fastdata replay` does beside a running `fastdata dev`: the module is loaded from this process\'s streams folder as its file is now, runs with fresh state over the records of `[from, to)` (`to`: the end offsets at the start) and writes `output`; the live modules are untouched. One replay at a time. `from`/`to`: epoch ms, or an ISO 8601 time, a duration back from now (-10m) or now. The answer streams one JSON object per line: `started`, `progress` after each batch and partition, then `done` with the result or `error`.',
    requestBody: { required: true, content: { 'application/json': { schema: REPLAY_BODY_SCHEMA, example: { module: 'sensor-stats', from: '-1h', output: 'sensor.stats.v2' } } } },
    responses: {
      '200': {
        description: 'the replay, as it goes: JSON lines',
        content: {
          'application/x-ndjson': {
            schema: {
              type: 'object',
              required: ['type'],
              properties: {
                type: { type: 'string', enum: ['started', 'progress', 'done', 'error'] },
                result: { type: 'object', description: 'done: read (per input topic), outputs, deadLetters (per reason), openAtEnd, partitions' },
                error: { $ref: '#/components/schemas/Error/properties/error' },
              },
            },
          },
        },
      },
      ...errors([400, 'a bad argument, an unknown module, or an output topic the replay may not write (the message names the field)'], [404, 'an input topic that does not exist'], [409, 'another replay runs in this process (FD_REPLAY_BUSY)']),
    },
  },
};
