/**
 * The rule expression language: what it computes on sample records (nested fields, null
 * handling), what its checker refuses, and the annotation templates.
 */
import { describe, expect, it } from 'vitest';
import { compileCondition } from '../../../src/alerts/rules/expression/compile.js';
import { compileTemplate } from '../../../src/alerts/rules/template.js';
import { topicFields } from '../../../src/alerts/rules/topic-fields.js';

const fields = topicFields('plant.sensors', {
  type: 'record',
  name: 'Sensor',
  namespace: 'test',
  fields: [
    { name: 'sensorId', type: 'string' },
    { name: 'temperature', type: ['null', 'double'], default: null },
    { name: 'count', type: 'long' },
    { name: 'ok', type: 'boolean' },
    { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['OK', 'WARN', 'FAIL'] } },
    { name: 'location', type: ['null', { type: 'record', name: 'Location', fields: [{ name: 'lat', type: 'double' }, { name: 'lon', type: 'double' }] }], default: null },
    { name: 'tags', type: { type: 'array', items: 'string' } },
  ],
});

const record = { sensorId: 's-1', temperature: 31.26, count: 12, ok: true, status: 'WARN', location: { lat: 52.5, lon: 13.4 }, tags: [] };
const noTemperature = { ...record, temperature: null, location: null };

const holds = (expression: string, value: unknown = record) => compileCondition(expression, fields)(value);
const refusal = (expression: string) => {
  try {
    compileCondition(expression, fields);
  } catch (error) {
    return (error as Error).message;
  }
  return 'accepted';
};

describe('rule expressions', () => {
  it.each([
    ['temperature > 30 and count >= 10', true],
    ['temperature > 30 && count >= 20', false],
    ['temperature > 40 or count == 12', true],
    ['not ok', false],
    ['!(temperature < 30)', true],
    ['location.lat > 50 and location.lon < 14', true],
    ['status in ["WARN", "FAIL"]', true],
    ['count in [1, 2, 3]', false],
    ['abs(temperature - 35) < 4', true],
    ['round(temperature, 1) == 31.3', true],
    ['round(temperature) == 31', true],
    ['min(temperature, 20) == 20 and max(count, 100) == 100', true],
    ['count % 5 == 2 and count / 4 == 3 and -count < 0', true],
    ['sensorId == "s-1" and sensorId != "s-2"', true],
    ['sensorId < "t"', true],
    ['temperature != null', true],
  ])('%s is %s', (expression, expected) => {
    expect(holds(expression)).toBe(expected);
  });

  it('a comparison with a null value is not met, either way round', () => {
    expect(holds('temperature > 30', noTemperature)).toBe(false);
    expect(holds('not (temperature > 30)', noTemperature)).toBe(false);
    expect(holds('temperature <= 30', noTemperature)).toBe(false);
    expect(holds('location.lat > 0', noTemperature)).toBe(false);
    expect(holds('abs(temperature) >= 0', noTemperature)).toBe(false);
  });

  it('null checks see the null, and and/or follow three-valued logic', () => {
    expect(holds('temperature == null', noTemperature)).toBe(true);
    expect(holds('null == location.lat', noTemperature)).toBe(true);
    expect(holds('temperature == null', record)).toBe(false);
    expect(holds('temperature > 30 or count == 12', noTemperature)).toBe(true);
    expect(holds('temperature > 30 and count == 12', noTemperature)).toBe(false);
    expect(holds('temperature == null or temperature > 30', noTemperature)).toBe(true);
    expect(holds('count > 1', {})).toBe(false);
  });

  it('words as operators do not swallow field names that start with them', () => {
    const named = topicFields('t', { type: 'record', name: 'R', fields: [{ name: 'index', type: 'int' }, { name: 'notes', type: 'string' }, { name: 'order', type: 'int' }] });
    expect(compileCondition('index > 1 and notes == "x" or order < 2', named)({ index: 2, notes: 'x', order: 5 })).toBe(true);
  });

  it.each([
    ['temp > 30', /^unknown field "temp" in plant\.sensors; fields are sensorId, temperature, count, ok, status, location\.lat, location\.lon, tags$/],
    ['location.alt > 3', /unknown field "location\.alt"/],
    ['sensorId > 3', /> compares two numbers or two strings, but sensorId is a string and 3 is a number/],
    ['status == 1', /== compares values of one type \(or a value with null\), but status is a string and 1 is a number/],
    ['ok and count', /and joins conditions, but ok is a boolean and count is a number/],
    ['temperature + 1', /must be a condition \(true or false\), but it is a number/],
    ['not count', /not needs a condition, but count is a number/],
    ['sensorId + "x" == "y"', /\+ needs numbers/],
    ['count in [1, "a"]', /in: count is a number but the list holds "a", a string/],
    ['count in [count]', /literals only/],
    ['tags == null', /field "tags" of plant\.sensors is of Avro type array/],
    ['sqrt(count) > 1', /sqrt\(\.\.\.\) is not a function of the rule language; use abs, min, max, round/],
    ['round(count, 1, 2) > 1', /round takes 1 to 2 arguments, not 3/],
    ['location["lat"] > 1', /only plain field paths/],
    ['count > 1 ? ok : ok', /ConditionalExpression is not allowed/],
    ['count = 3', /not a valid expression/],
    ['count > ', /not a valid expression/],
    ['this.count > 1', /only plain field paths/],
    ['count > 1; ok', /write one expression/],
    ['count | 1 == 1', /the operator \| is not allowed/],
    ['null == null', /always the same/],
    ['constructor == null', /unknown field "constructor"/],
  ])('refuses %s', (expression, message) => {
    expect(refusal(expression)).toMatch(message);
  });
});

describe('annotation templates', () => {
  it('fills fields, nested fields and rounded numbers', () => {
    const template = compileTemplate('{{ sensorId }} at {{location.lat}}: {{ temperature | round(1) }} °C, {{ count|round(0) }} readings', fields);
    expect(template(record)).toBe('s-1 at 52.5: 31.3 °C, 12 readings');
    expect(template(noTemperature)).toBe('s-1 at null: null °C, 12 readings');
  });

  it('keeps the precision it rounds to', () => {
    expect(compileTemplate('{{ temperature | round(2) }}', fields)({ temperature: 30 })).toBe('30.00');
  });

  it('writes epoch milliseconds as an ISO time with | time', () => {
    const template = compileTemplate('since {{ count | time }}', fields);
    expect(template({ count: Date.UTC(2026, 10, 24, 8, 15, 0) })).toBe('since 2026-11-24T08:15:00Z');
    expect(template({ count: null })).toBe('since null');
  });

  it('text without placeholders is itself', () => {
    expect(compileTemplate('plain text', fields)(record)).toBe('plain text');
  });

  it.each([
    ['{{ temp }}', /unknown field "temp"/],
    ['{{ sensorId | round(1) }}', /round needs a number, but sensorId is a string/],
    ['{{ sensorId | time }}', /time needs a number, but sensorId is a string/],
    ['{{ sensorId | upper }}', /is not a placeholder; write \{\{ field \}\}, \{\{ field \| round\(1\) \}\} or \{\{ field \| time \}\}/],
    ['{{ sensorId', /not closed/],
    ['{{ count + 1 }}', /is not a placeholder/],
  ])('refuses %s', (source, message) => {
    expect(() => compileTemplate(source, fields)).toThrow(message);
  });
});
