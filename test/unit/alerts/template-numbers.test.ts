/**
 * How annotation templates write numbers (issue 17: generated summaries printed
 * 31.125338983050852). A plain `{{ field }}` keeps whole numbers as they are and writes
 * others readably; `round(n)` fixes the decimals; `raw` writes every digit. Expected
 * texts are written out by hand here, not computed with the code under test.
 */
import { describe, expect, it } from 'vitest';
import { compileTemplate } from '../../../src/alerts/rules/template.js';
import { topicFields } from '../../../src/alerts/rules/topic-fields.js';

const fields = topicFields('plant.sensors', {
  type: 'record',
  name: 'Stats',
  namespace: 'test',
  fields: [
    { name: 'sensorId', type: 'string' },
    { name: 'meanTemperature', type: 'double' },
    { name: 'count', type: 'long' },
    { name: 'drift', type: ['null', 'double'], default: null },
  ],
});

const plain = compileTemplate('{{ meanTemperature }}', fields);
const at = (meanTemperature: number) => plain({ sensorId: 's-1', meanTemperature, count: 1 });

describe('numbers in annotations', () => {
  it.each([
    // The reproduction: a mean of doubles.
    [31.125338983050852, '31.125'],
    [22.4, '22.4'],
    [0.1 + 0.2, '0.3'],
    [2.9999999, '3'],
    [-17.25, '-17.25'],
    [123456.78912, '123456.789'],
    // Under 1 in magnitude: 3 significant digits, so a small value is not written as 0.
    [0.000123456, '0.000123'],
    [-0.5, '-0.5'],
    [0.6666666666666666, '0.667'],
  ])('writes %s as %s with a plain {{ field }}', (value, expected) => {
    expect(at(value)).toBe(expected);
  });

  it('keeps whole numbers and what is not a finite number as they are', () => {
    expect(at(30)).toBe('30');
    expect(at(-4)).toBe('-4');
    expect(at(1234567890123)).toBe('1234567890123');
    expect(at(Number.NaN)).toBe('NaN');
    expect(at(Number.POSITIVE_INFINITY)).toBe('Infinity');
    expect(compileTemplate('{{ count }} readings', fields)({ count: 59 })).toBe('59 readings');
    expect(compileTemplate('drift {{ drift }}', fields)({ drift: null })).toBe('drift null');
  });

  it('round(n) gives exactly n decimals, raw every digit', () => {
    const record = { sensorId: 's-7', meanTemperature: 31.125338983050852, count: 59 };
    expect(compileTemplate('{{ meanTemperature | round(1) }}', fields)(record)).toBe('31.1');
    expect(compileTemplate('{{ meanTemperature | round(0) }}', fields)(record)).toBe('31');
    expect(compileTemplate('{{ meanTemperature|round(4) }}', fields)(record)).toBe('31.1253');
    expect(compileTemplate('{{ meanTemperature | raw }}', fields)(record)).toBe('31.125338983050852');
    expect(compileTemplate('{{ count | raw }}', fields)(record)).toBe('59');
  });

  it('refuses raw on a field that is not a number, and names it among the placeholders', () => {
    expect(() => compileTemplate('{{ sensorId | raw }}', fields)).toThrow('raw needs a number, but sensorId is a string');
    expect(() => compileTemplate('{{ meanTemperature | fixed }}', fields)).toThrow('{{ field | raw }}');
  });
});
