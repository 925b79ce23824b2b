import { describe, expect, it } from 'vitest';
import { parseProperties, renderProperties } from '../../../scripts/infra/properties.js';

describe('renderProperties', () => {
  it('writes key=value lines after the header as comments', () => {
    const text = renderProperties({ 'node.id': 1, 'auto.create.topics.enable': false, listeners: 'PLAINTEXT://127.0.0.1:9092' }, 'line one\nline two');
    expect(text).toBe('# line one\n# line two\nnode.id=1\nauto.create.topics.enable=false\nlisteners=PLAINTEXT://127.0.0.1:9092\n');
  });

  it.each([
    ['a line feed', 'a\nb'],
    ['a carriage return', 'a\rb'],
    ['a backslash', 'C:\\kafka'],
    ['a leading space', ' value'],
    ['a trailing space', 'value '],
  ])('refuses a value with %s', (_, value) => {
    expect(() => renderProperties({ 'log.dirs': value })).toThrow(/log\.dirs: value .* line break, a backslash or surrounding spaces/);
  });

  it.each(['a b', 'a=b', 'a:b', '', 'key\n'])('refuses the property name %j', (key) => {
    expect(() => renderProperties({ [key]: 'x' })).toThrow(/property name .* misread/);
  });
});

describe('parseProperties', () => {
  it('reads back what renderProperties wrote, every value as text', () => {
    const properties = {
      'process.roles': 'broker,controller',
      'node.id': 1,
      'controller.quorum.voters': '1@127.0.0.1:9093',
      'log.dirs': '/tmp/kafka data/x',
      'auto.create.topics.enable': false,
      'log.cleaner.dedupe.buffer.size': 16 * 1024 * 1024,
      'with.equals': 'a=b=c',
      'with.hash': 'not#a#comment',
    };
    const parsed = parseProperties(renderProperties(properties, 'a header'));
    expect(parsed).toEqual(Object.fromEntries(Object.entries(properties).map(([key, value]) => [key, String(value)])));
  });

  it('skips comments, blank lines and lines without =, and trims around the first =', () => {
    expect(parseProperties('# comment\n! also a comment\n\n  a = 1 \r\nno-equals\nb=x=y\n')).toEqual({ a: '1', b: 'x=y' });
  });
});
