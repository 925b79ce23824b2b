/**
 * `alerts/*.test.yaml`: tests of alert rules, for rule authors, run without any server by
 * `fastdata alerts test`. Each test feeds records (with event times) and watermark steps
 * to one rule and lists the notifications it must send, in order:
 *
 *   tests:
 *     - name: fires once after two minutes, resolves once when cool
 *       rule: overheating
 *       defaults: { sensorId: s-1, count: 60, meanTemperature: 22, ... }   # merged into every value
 *       input:
 *         - { at: 0m, value: { meanTemperature: 30 } }
 *         - { at: 1m, value: { meanTemperature: 30.5 } }
 *         - { watermark: 5m }
 *       expect:
 *         - { status: firing, key: s-1, at: 2m }
 *         - { status: resolved, key: s-1, at: 4m, annotations: { summary: "..." } }
 *
 * Times are durations after `start` (default 2026-01-01T00:00:00Z).
 */
import { Type, type Static } from '@sinclair/typebox';
import { DurationSchema } from '../../config/project-config.js';
import { stringEnum } from '../../config/validated-file.js';

const strict = { additionalProperties: false } as const;

const RecordStep = Type.Object(
  {
    at: DurationSchema,
    value: Type.Record(Type.String(), Type.Unknown(), { description: 'The record (merged over the test defaults).' }),
  },
  strict,
);
const WatermarkStep = Type.Object({ watermark: DurationSchema }, strict);

const Expected = Type.Object(
  {
    status: stringEnum(['firing', 'resolved'] as const),
    key: Type.String({ minLength: 1 }),
    at: DurationSchema,
    annotations: Type.Optional(Type.Record(Type.String(), Type.String())),
  },
  strict,
);

export const AlertTestFileSchema = Type.Object(
  {
    tests: Type.Array(
      Type.Object(
        {
          name: Type.String({ minLength: 1 }),
          rule: Type.String({ minLength: 1 }),
          start: Type.Optional(Type.String({ minLength: 1, description: 'ISO time that `at` durations count from.' })),
          defaults: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
          input: Type.Array(Type.Union([RecordStep, WatermarkStep]), { minItems: 1 }),
          expect: Type.Array(Expected),
        },
        strict,
      ),
      { minItems: 1 },
    ),
  },
  strict,
);

export type AlertTestFile = Static<typeof AlertTestFileSchema>;
export type AlertTest = AlertTestFile['tests'][number];
