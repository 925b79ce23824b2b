import { describe, expect, it } from 'vitest';
import { defineStream } from 'fastdata';
import { checkModuleSettings, settingsOf, withModuleSettings } from '../../../src/stream/module-settings.js';

const module = defineStream({
  name: 'sensor-stats',
  inputs: { readings: 'sensor.readings' },
  output: { topic: 'sensor.stats', schema: { type: 'record', name: 'S', fields: [{ name: 'id', type: 'string' }] }, key: (s: { id: string }) => s.id },
  watermark: { lateness: '2s', idleTimeout: '30s' },
  commitInterval: 200,
  pipeline: (inputs: { readings: never }) => inputs.readings,
} as never);

describe('per-module settings from the config', () => {
  it('overrides what the code says, by kebab or camel name, and leaves the rest', () => {
    const kebab = withModuleSettings(module, settingsOf({ 'sensor-stats': { commitInterval: '1s' } }, module.name));
    expect(kebab).toMatchObject({ commitInterval: 1_000, lateness: 2_000, idleTimeout: 30_000 });
    const camel = withModuleSettings(module, settingsOf({ sensorStats: { watermark: { lateness: 0, idleTimeout: '5s' } } }, module.name));
    expect(camel).toMatchObject({ commitInterval: 200, lateness: 0, idleTimeout: 5_000 });
    expect(withModuleSettings(module, undefined)).toBe(module);
  });

  it('bounds the stretched commit interval: 2 s by default, or the operator value, never below commitInterval', () => {
    expect(module.maxCommitInterval).toBe(2_000);
    expect(withModuleSettings(module, { maxCommitInterval: '500ms' })).toMatchObject({ commitInterval: 200, maxCommitInterval: 500 });
    // A fixed interval: both the same.
    expect(withModuleSettings(module, { commitInterval: '1s', maxCommitInterval: '1s' })).toMatchObject({ commitInterval: 1_000, maxCommitInterval: 1_000 });
    // A commitInterval above the bound lifts it.
    expect(withModuleSettings(module, { commitInterval: '5s' })).toMatchObject({ commitInterval: 5_000, maxCommitInterval: 5_000 });
    expect(() => withModuleSettings(module, { maxCommitInterval: 'later' })).toThrow(/modules\.sensor-stats\.maxCommitInterval: "later" is not a valid duration/);
  });

  it('refuses a bad duration naming the setting', () => {
    expect(() => withModuleSettings(module, { commitInterval: 'soon' })).toThrow(/modules\.sensor-stats\.commitInterval: "soon" is not a valid duration/);
  });

  it('refuses settings for a module the project does not have, with the nearest name', () => {
    expect(() => checkModuleSettings({ 'sensor-stat': { commitInterval: '1s' } }, ['sensor-stats', 'sensor-anomalies'])).toThrow(
      /modules\.sensor-stat: no stream module has this name \(did you mean sensor-stats\?\); the modules are sensor-stats, sensor-anomalies/,
    );
    expect(() => checkModuleSettings({ sensorAnomalies: {} }, ['sensor-stats', 'sensor-anomalies'])).not.toThrow();
  });
});
