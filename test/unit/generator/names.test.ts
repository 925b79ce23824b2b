import { describe, expect, it } from 'vitest';
import { isFastdataError } from 'fastdata';
import { avroNamespace, checkName, pascalCase, titleCase } from '../../../src/generator/index.js';

function refusal(value: string): string {
  try {
    checkName('<name>', value, 'fastdata new stream room-stats');
  } catch (error) {
    expect(isFastdataError(error, 'FD_ARGUMENT_INVALID')).toBe(true);
    return (error as Error).message;
  }
  throw new Error(`${JSON.stringify(value)} was accepted`);
}

describe('names of generated things', () => {
  it('accepts kebab-case names', () => {
    for (const name of ['a', 'room-stats', 'sensor-2-stats', 'x9']) expect(checkName('<name>', name, 'e.g.')).toBe(name);
  });

  it('refuses anything else, naming the argument, the value and an example', () => {
    for (const bad of ['RoomStats', 'room_stats', 'room stats', '-room', 'room-', 'room--stats', '2-rooms', 'räume', '../etc', 'room.stats']) {
      const message = refusal(bad);
      expect(message).toContain(`<name> ${JSON.stringify(bad)} is not kebab-case`);
      expect(message).toContain('e.g. fastdata new stream room-stats');
    }
    expect(refusal('')).toContain('<name> "" is empty');
    expect(refusal('a'.repeat(101))).toContain('is 101 characters long; at most 100');
  });

  it('derives type names, titles and Avro namespaces', () => {
    expect(pascalCase('room-stats-2')).toBe('RoomStats2');
    expect(titleCase('room-stats')).toBe('Room stats');
    expect(avroNamespace('plant-monitor')).toBe('plant_monitor');
    expect(avroNamespace('@acme/plant.monitor')).toBe('acme.plant.monitor');
    expect(avroNamespace('9lives')).toBe('_9lives');
  });
});
