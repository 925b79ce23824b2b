/**
 * How `--help` describes an option's default. Commander appends `(default: <value>)` to
 * every option that has a default, which printed nonsense next to our own texts (issue 17):
 * `-b, --from-beginning  start at the oldest record (default: only new records) (default: false)`.
 *
 * - A flag without a value is off unless given: `(default: false)` says nothing, so it is left out.
 * - A description that states its default itself (`(default: only new records)`,
 *   `(default 1000)`) is written for a reader; commander's JSON of the value is left out.
 *
 * Configured once on the root command; every subcommand inherits it (commander copies help
 * settings into commands created after).
 */
import { type Command, Help, type Option } from 'commander';

/** Whether commander's own `(default: ...)` should be shown for this option. */
export function showsCommanderDefault(option: Option): boolean {
  if (option.defaultValue === undefined) return false;
  if (option.isBoolean() && option.defaultValue === false) return false;
  return !/\bdefault\b/i.test(option.description);
}

export function configureDefaultsInHelp(command: Command): Command {
  return command.configureHelp({
    optionDescription(this: Help, option: Option): string {
      if (showsCommanderDefault(option)) return Help.prototype.optionDescription.call(this, option);
      // The same option without its default value, described by commander as usual (choices, env...).
      const shown = Object.assign(Object.create(Object.getPrototypeOf(option) as object) as Option, option, { defaultValue: undefined });
      return Help.prototype.optionDescription.call(this, shown);
    },
  });
}
