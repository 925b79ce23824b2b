/**
 * The functions a rule expression may call. Every argument is a number and so is every
 * result; a null argument makes the result null (see evaluate.ts).
 */
export interface RuleFunction {
  minArgs: number;
  maxArgs: number;
  call(args: number[]): number;
}

export const FUNCTIONS: Readonly<Record<string, RuleFunction>> = {
  abs: { minArgs: 1, maxArgs: 1, call: ([x]) => Math.abs(x!) },
  min: { minArgs: 2, maxArgs: 10, call: (xs) => Math.min(...xs) },
  max: { minArgs: 2, maxArgs: 10, call: (xs) => Math.max(...xs) },
  round: { minArgs: 1, maxArgs: 2, call: ([x, digits = 0]) => roundTo(x!, digits) },
};

/** Rounds half away from zero to `digits` decimals (negative digits round to tens, hundreds...). */
export function roundTo(x: number, digits: number): number {
  const scale = 10 ** Math.trunc(digits);
  return (Math.sign(x) * Math.round(Math.abs(x) * scale)) / scale;
}

export function hasFunction(name: string): boolean {
  return Object.hasOwn(FUNCTIONS, name);
}
