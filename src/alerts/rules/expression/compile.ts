/**
 * A condition of a rule (`when`, `recover`): parsed, checked against the source topic,
 * compiled. Throws ExpressionError with the message a problem shows.
 */
import type { TopicFields } from '../topic-fields.js';
import { compileNode } from './evaluate.js';
import { ExpressionError, parseExpression } from './syntax.js';
import { typeOf } from './typecheck.js';

export function compileCondition(text: string, fields: TopicFields): (record: unknown) => boolean {
  const ast = parseExpression(text);
  const type = typeOf(ast, fields);
  if (type !== 'boolean') throw new ExpressionError(`must be a condition (true or false), but it is ${type === 'null' ? 'null' : `a ${type}`}`);
  const evaluate = compileNode(ast);
  return (record) => evaluate(record) === true;
}
