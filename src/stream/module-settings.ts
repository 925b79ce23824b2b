/**
 * What an operator may change about a module without touching its code: the checkpoint
 * interval and the watermark's lateness and idle timeout, per module, in the project config
 * (`modules.<name>`) or the environment (FASTDATA_MODULES__<NAME>__...). The config names a
 * module by its name (`sensor-stats`) or, as the environment must, in camel case
 * (`sensorStats`); a name that is no module of the project is refused, with the nearest.
 */
import { nearestName } from '../config/nearest-name.js';
import { FastdataError } from '../errors.js';
import { toMillis } from '../time/duration.js';
import type { StreamModule } from './define.js';

export interface ModuleSettings {
  commitInterval?: number | string;
  watermark?: { lateness?: number | string; idleTimeout?: number | string };
}

const camel = (name: string) => name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** The settings of `module` among the configured ones (by its name, or its name in camel case). */
export function settingsOf(all: Readonly<Record<string, ModuleSettings>>, module: string): ModuleSettings | undefined {
  return all[module] ?? all[camel(module)];
}

/** Refuses settings for modules the project does not have (a typo would otherwise be ignored). */
export function checkModuleSettings(all: Readonly<Record<string, ModuleSettings>>, modules: readonly string[]): void {
  const known = new Set(modules.flatMap((m) => [m, camel(m)]));
  const problems = Object.keys(all)
    .filter((key) => !known.has(key))
    .map((key) => {
      const near = nearestName(key, modules);
      return `modules.${key}: no stream module has this name${near ? ` (did you mean ${near}?)` : ''}; the modules are ${modules.join(', ') || '(none)'}`;
    });
  if (problems.length > 0) {
    throw new FastdataError('FD_CONFIG_INVALID', `the project configuration is not valid:\n  - ${problems.join('\n  - ')}`, { context: { field: 'modules' } });
  }
}

/** The module with the configured settings in place of its own (the module itself when none apply). */
export function withModuleSettings(module: StreamModule, settings: ModuleSettings | undefined): StreamModule {
  if (!settings) return module;
  const at = `modules.${module.name}`;
  const watermark = settings.watermark ?? {};
  return Object.freeze({
    ...module,
    commitInterval: settings.commitInterval === undefined ? module.commitInterval : toMillis(settings.commitInterval, { what: `${at}.commitInterval` }),
    lateness: watermark.lateness === undefined ? module.lateness : toMillis(watermark.lateness, { what: `${at}.watermark.lateness`, allowZero: true }),
    idleTimeout: watermark.idleTimeout === undefined ? module.idleTimeout : toMillis(watermark.idleTimeout, { what: `${at}.watermark.idleTimeout` }),
  });
}
