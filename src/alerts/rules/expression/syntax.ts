/**
 * Parsing rule expressions with jsep: a small, maintained parser of JavaScript
 * expressions that returns an AST and evaluates nothing. We add the words people write
 * in rules (`and`, `or`, `not`, `in`); the checker decides what of the AST is allowed and
 * the evaluator walks it, so no expression ever reaches eval or `new Function`.
 */
import jsep from 'jsep';

// jsep's operator tables are global: these additions are the same for every caller and
// only widen what parses. Precedences follow jsep's own: || 1, && 2, == 6, < 7.
jsep.addBinaryOp('or', 1);
jsep.addBinaryOp('and', 2);
jsep.addBinaryOp('in', 7);
jsep.addUnaryOp('not');

export type Node = jsep.Expression;

export class ExpressionError extends Error {}

/** The AST of `text`, or ExpressionError with jsep's message (which gives the character index). */
export function parseExpression(text: string): Node {
  try {
    return jsep(text);
  } catch (error) {
    throw new ExpressionError(`not a valid expression: ${(error as Error).message}`);
  }
}

/** `location.lat` for an identifier or a chain of plain (not computed) member accesses; undefined otherwise. */
export function fieldPathOf(node: Node): string | undefined {
  if (node.type === 'Identifier') return (node as jsep.Identifier).name;
  if (node.type !== 'MemberExpression') return undefined;
  const member = node as jsep.MemberExpression;
  if (member.computed || member.optional || member.property.type !== 'Identifier') return undefined;
  const parent = fieldPathOf(member.object);
  return parent === undefined ? undefined : `${parent}.${(member.property as jsep.Identifier).name}`;
}

/** Operators that mean the same thing, reduced to one spelling for the checker and evaluator. */
export const OPERATOR_ALIASES: Readonly<Record<string, string>> = { '&&': 'and', '||': 'or', '!': 'not', '===': '==', '!==': '!=' };

export function operatorOf(node: Node): string {
  const op = String(node.operator);
  return OPERATOR_ALIASES[op] ?? op;
}
