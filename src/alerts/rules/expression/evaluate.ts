/**
 * Turns a checked AST (typecheck.ts) into a plain closure over a record: no eval, no
 * `new Function`, only the constructs the checker admits.
 *
 * Nulls follow SQL's three-valued logic: a comparison, arithmetic or function with a null
 * operand is null (unknown), `and`/`or` are Kleene's (`false and null` is false, `true or
 * null` is true), and only `x == null` / `x != null` look at the null itself. A condition
 * holds only when it is true, so a missing value never fires an alert by accident.
 */
import type jsep from 'jsep';
import { fieldGetter } from '../field-path.js';
import { FUNCTIONS } from './functions.js';
import { ExpressionError, fieldPathOf, operatorOf, type Node } from './syntax.js';

type Value = number | string | boolean | null;
export type Evaluator = (record: unknown) => Value;

const isNullLiteral = (node: Node) => node.type === 'Literal' && (node as jsep.Literal).value === null;

export function compileNode(node: Node): Evaluator {
  switch (node.type) {
    case 'Literal': {
      const value = (node as jsep.Literal).value as Value;
      return () => value;
    }
    case 'Identifier':
    case 'MemberExpression': {
      const get = fieldGetter(fieldPathOf(node)!);
      return (record) => get(record) as Value;
    }
    case 'UnaryExpression':
      return unary(node as jsep.UnaryExpression);
    case 'BinaryExpression':
      return binary(node as jsep.BinaryExpression);
    case 'CallExpression': {
      const call = node as jsep.CallExpression;
      const fn = FUNCTIONS[(call.callee as jsep.Identifier).name]!;
      const args = call.arguments.map(compileNode);
      return (record) => {
        const values = args.map((arg) => arg(record));
        return values.some((v) => v === null) ? null : fn.call(values as number[]);
      };
    }
    default:
      // typecheck admits nothing else: reaching here is a bug of ours.
      throw new ExpressionError(`${node.type} cannot be evaluated`);
  }
}

function unary(node: jsep.UnaryExpression): Evaluator {
  const op = operatorOf(node);
  const arg = compileNode(node.argument);
  if (op === 'not') return (r) => (arg(r) === null ? null : !arg(r));
  if (op === '-') return (r) => (arg(r) === null ? null : -(arg(r) as number));
  return arg;
}

function binary(node: jsep.BinaryExpression): Evaluator {
  const op = operatorOf(node);
  if (op === 'in') {
    const left = compileNode(node.left);
    const list = new Set((node.right as jsep.ArrayExpression).elements.map((e) => (e as jsep.Literal).value));
    return (r) => {
      const value = left(r);
      return value === null ? null : list.has(value);
    };
  }
  const left = compileNode(node.left);
  const right = compileNode(node.right);
  if (op === 'and') {
    return (r) => {
      const a = left(r);
      if (a === false) return false;
      const b = right(r);
      if (b === false) return false;
      return a === null || b === null ? null : true;
    };
  }
  if (op === 'or') {
    return (r) => {
      const a = left(r);
      if (a === true) return true;
      const b = right(r);
      if (b === true) return true;
      return a === null || b === null ? null : false;
    };
  }
  if ((op === '==' || op === '!=') && (isNullLiteral(node.left) || isNullLiteral(node.right))) {
    const other = isNullLiteral(node.left) ? right : left;
    return op === '==' ? (r) => other(r) === null : (r) => other(r) !== null;
  }
  const apply = OPERATIONS[op];
  if (!apply) throw new ExpressionError(`the operator ${op} cannot be evaluated`);
  return (r) => {
    const a = left(r);
    const b = right(r);
    return a === null || b === null ? null : apply(a as number, b as number);
  };
}

// Operands are of the types the checker allowed: numbers for arithmetic, numbers or strings for < >.
// Typed as numbers for TypeScript; < and > compare strings the same way at run time.
const OPERATIONS: Record<string, (a: number, b: number) => Value> = {
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
  '<': (a, b) => a < b,
  '>': (a, b) => a > b,
  '<=': (a, b) => a <= b,
  '>=': (a, b) => a >= b,
  '+': (a, b) => nanToNull(a + b),
  '-': (a, b) => nanToNull(a - b),
  '*': (a, b) => nanToNull(a * b),
  '/': (a, b) => nanToNull(a / b),
  '%': (a, b) => nanToNull(a % b),
};

/** 0/0 and the like have no value: null, as a missing field, rather than a NaN that compares false both ways. */
function nanToNull(x: number): number | null {
  return Number.isNaN(x) ? null : x;
}
