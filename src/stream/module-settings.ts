/**
 * What an operator may change about a module without touching its code: the checkpoint
 * interval (and how far load may stretch it) and the watermark's lateness, idle timeout and maximum future skew, per module,
 * in the project config (`modules.<name>`) or the environment (FASTDATA_MODULES__<NAME>__...).
 * The config names a module by its name (`sensor-stats`) or, as the environment must, in
 * camel case (`sensorStats`); a name that is no module of the project is refused, with the
 * nearest. A setting that is no duration is FD_CONFIG_INVALID, naming it.
 */
import { nearestName } from '../config/nearest-name.js';
import { FastdataError, isFastdataError } from '../errors.js';
import { toMillis } from '../time/duration.js';
import type { StreamModule } from './define.js';

export interface ModuleSettings {
  commitInterval?: number | string;
  maxCommitInterval?: number | string;
  watermark?: { lateness?: number | string; idleTimeout?: number | string; maxFutureSkew?: number | string };
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

/** A configured duration in milliseconds; one that is not a duration is a configuration error naming `what`. */
function setting(value: number | string | undefined, fallback: number, what: string, allowZero = false): number {
  if (value === undefined) return fallback;
  try {
    return toMillis(value, { what, allowZero });
  } catch (error) {
    if (!isFastdataError(error, 'FD_DURATION_INVALID')) throw error;
    throw new FastdataError('FD_CONFIG_INVALID', `the project configuration is not valid:\n  - ${error.message}`, { context: { field: what }, cause: error });
  }
}

/** The module with the configured settings in place of its own (the module itself when none apply). */
export function withModuleSettings(module: StreamModule, settings: ModuleSettings | undefined): StreamModule {
  if (!settings) return module;
  const at = `modules.${module.name}`;
  const watermark = settings.watermark ?? {};
  const commitInterval = setting(settings.commitInterval, module.commitInterval, `${at}.commitInterval`);
  return Object.freeze({
    ...module,
    commitInterval,
    // A longer commitInterval alone lifts the bound with it, as in the definition.
    maxCommitInterval: Math.max(commitInterval, setting(settings.maxCommitInterval, module.maxCommitInterval, `${at}.maxCommitInterval`)),
    lateness: setting(watermark.lateness, module.lateness, `${at}.watermark.lateness`, true),
    idleTimeout: setting(watermark.idleTimeout, module.idleTimeout, `${at}.watermark.idleTimeout`),
    maxFutureSkew: setting(watermark.maxFutureSkew, module.maxFutureSkew, `${at}.watermark.maxFutureSkew`),
  });
}
