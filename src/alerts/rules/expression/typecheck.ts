/**
 * The static check of a rule expression against its source topic: only the constructs of
 * the rule language (literals, field paths, comparison, and/or/not, arithmetic, `in [...]`,
 * abs/min/max/round, `== null`), every field in the topic's schema, every operand of the
 * type its operator needs. Mistakes are reported when the rule loads, not as an alert
 * that never fires.
 *
 * Nullable fields may be compared without a null check: a comparison with a null value
 * is neither true nor false, and a condition that is not true does not hold (evaluate.ts).
 * So `temperature > 30` is not met while temperature is null, and neither is
 * `not (temperature > 30)`; write `temperature == null` to alert on a missing value.
 */
import type jsep from 'jsep';
import { readableField, type TopicFields, type ValueType } from '../topic-fields.js';
import { hasFunction, FUNCTIONS } from './functions.js';
import { ExpressionError, fieldPathOf, operatorOf, type Node } from './syntax.js';

/** What an expression yields: a value type, the literal null, or a list of literals (the right of `in`). */
export type ExprType = ValueType | 'null' | `list of ${ValueType}`;

const COMPARISON = new Set(['<', '>', '<=', '>=']);
const EQUALITY = new Set(['==', '!=']);
const ARITHMETIC = new Set(['+', '-', '*', '/', '%']);
const LOGICAL = new Set(['and', 'or']);

const fail = (message: string): never => {
  throw new ExpressionError(message);
};

const describe = (type: ExprType): string => (type === 'null' ? 'null' : `a ${type}`);

/** Text of a node for messages: the field path, the literal, or the operator. */
function show(node: Node): string {
  const path = fieldPathOf(node);
  if (path !== undefined) return path;
  if (node.type === 'Literal') return String((node as jsep.Literal).raw);
  if (node.type === 'CallExpression') return `${fieldPathOf((node as jsep.CallExpression).callee) ?? '?'}(...)`;
  if (node.operator !== undefined) return `the ${String(node.operator)} expression`;
  return 'the expression';
}

export function typeOf(node: Node, fields: TopicFields): ExprType {
  switch (node.type) {
    case 'Literal': {
      const value = (node as jsep.Literal).value;
      if (value === null) return 'null';
      if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return typeof value as ValueType;
      return fail(`${String((node as jsep.Literal).raw)} is not allowed in a rule expression`);
    }
    case 'Identifier':
    case 'MemberExpression': {
      const path = fieldPathOf(node);
      if (path === undefined) return fail('only plain field paths such as location.lat are allowed, not [ ] or ?.');
      const field = readableField(path, fields);
      return typeof field === 'string' ? fail(field) : field.type!;
    }
    case 'UnaryExpression':
      return unaryType(node as jsep.UnaryExpression, fields);
    case 'BinaryExpression':
      return binaryType(node as jsep.BinaryExpression, fields);
    case 'CallExpression':
      return callType(node as jsep.CallExpression, fields);
    case 'ArrayExpression':
      return fail('a list [...] is only allowed on the right of in');
    case 'Compound':
      return fail('write one expression: combine conditions with and / or');
    default:
      return fail(`${node.type} is not allowed in a rule expression; use fields, literals, comparisons, and/or/not, + - * / %, in [...], abs, min, max, round`);
  }
}

function unaryType(node: jsep.UnaryExpression, fields: TopicFields): ExprType {
  const op = operatorOf(node);
  const type = typeOf(node.argument, fields);
  if (op === 'not') return type === 'boolean' ? 'boolean' : fail(`not needs a condition, but ${show(node.argument)} is ${describe(type)}`);
  if (op === '-' || op === '+') return type === 'number' ? 'number' : fail(`${op} needs a number, but ${show(node.argument)} is ${describe(type)}`);
  return fail(`the operator ${op} is not allowed in a rule expression`);
}

function binaryType(node: jsep.BinaryExpression, fields: TopicFields): ExprType {
  const op = operatorOf(node);
  if (op === 'in') return inType(node, fields);
  const left = typeOf(node.left, fields);
  const right = typeOf(node.right, fields);
  const mismatch = (needs: string) =>
    fail(`${op} ${needs}, but ${show(node.left)} is ${describe(left)} and ${show(node.right)} is ${describe(right)}`);
  if (LOGICAL.has(op)) return left === 'boolean' && right === 'boolean' ? 'boolean' : mismatch('joins conditions');
  if (ARITHMETIC.has(op)) return left === 'number' && right === 'number' ? 'number' : mismatch('needs numbers');
  if (COMPARISON.has(op)) {
    return left === right && (left === 'number' || left === 'string') ? 'boolean' : mismatch('compares two numbers or two strings');
  }
  if (EQUALITY.has(op)) {
    if (left === 'null' && right === 'null') return fail(`${op} between null and null is always the same; compare a field with null`);
    return left === right || left === 'null' || right === 'null' ? 'boolean' : mismatch('compares values of one type (or a value with null)');
  }
  return fail(`the operator ${String(node.operator)} is not allowed in a rule expression`);
}

function inType(node: jsep.BinaryExpression, fields: TopicFields): ExprType {
  const left = typeOf(node.left, fields);
  if (node.right.type !== 'ArrayExpression') return fail('in needs a list of literals on its right, such as ["a", "b"]');
  const elements = (node.right as jsep.ArrayExpression).elements;
  if (elements.length === 0) return fail('in needs a list with at least one value');
  for (const element of elements) {
    if (!element || element.type !== 'Literal') return fail('the list of in holds literals only, such as ["a", "b"] or [1, 2]');
    const type = typeOf(element, fields);
    if (type !== left) return fail(`in: ${show(node.left)} is ${describe(left)} but the list holds ${show(element)}, ${describe(type)}`);
  }
  return 'boolean';
}

function callType(node: jsep.CallExpression, fields: TopicFields): ExprType {
  const name = node.callee.type === 'Identifier' ? (node.callee as jsep.Identifier).name : undefined;
  if (name === undefined || !hasFunction(name)) return fail(`${show(node)} is not a function of the rule language; use ${Object.keys(FUNCTIONS).join(', ')}`);
  const { minArgs, maxArgs } = FUNCTIONS[name]!;
  const count = node.arguments.length;
  if (count < minArgs || count > maxArgs) {
    const wanted = minArgs === maxArgs ? `${minArgs}` : `${minArgs} to ${maxArgs}`;
    return fail(`${name} takes ${wanted} argument${maxArgs === 1 ? '' : 's'}, not ${count}`);
  }
  for (const arg of node.arguments) {
    const type = typeOf(arg, fields);
    if (type !== 'number') return fail(`${name} needs numbers, but ${show(arg)} is ${describe(type)}`);
  }
  return 'number';
}
