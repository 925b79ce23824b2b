/**
 * The shape of an alert rule file (`alerts/*.yaml`), in TypeBox so that Ajv checks it as
 * it checks config files and dashboards, with the line of every problem. What a schema
 * cannot say (fields of the source topic, expressions, durations, `when` xor `absent`) is
 * checked after, by compile-rule.
 */
import { type Static, Type } from '@sinclair/typebox';
import { stringEnum } from '../../config/validated-file.js';

export const SEVERITIES = ['info', 'warning', 'critical'] as const;

/** A string such as '2m' or a number of milliseconds; toMillis says what is wrong with a bad one. */
const Duration = Type.Unsafe<string | number>({ type: ['string', 'number'], description: "e.g. '30s', '2m', '1h', or milliseconds" });
const Text = (maxLength: number) => Type.String({ minLength: 1, maxLength });

export const RuleFile = Type.Object(
  {
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    rules: Type.Array(
      Type.Object(
        {
          name: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,99}$', description: 'lower-case letters, digits and -' }),
          description: Type.Optional(Type.String({ maxLength: 2000 })),
          source: Text(249),
          key: Text(200),
          when: Type.Optional(Text(2000)),
          recover: Type.Optional(Text(2000)),
          absent: Type.Optional(Duration),
          for: Type.Optional(Duration),
          keep_firing_for: Type.Optional(Duration),
          severity: stringEnum(SEVERITIES),
          labels: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }), Type.String({ maxLength: 500 }))),
          annotations: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }), Type.String({ maxLength: 2000 }))),
          receivers: Type.Optional(Type.Array(Text(100), { maxItems: 20 })),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 500 },
    ),
  },
  { additionalProperties: false },
);

export type RuleFileValue = Static<typeof RuleFile>;
export type RuleSpec = RuleFileValue['rules'][number];
