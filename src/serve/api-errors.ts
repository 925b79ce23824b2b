/**
 * The error answer of every JSON API route: `{ error: { code, message, field } }` with 400
 * for bad input (the message names the parameter and the fix), 404 for something that
 * does not exist, 503 when a backend is away, 500 for a bug of ours.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { errorMessage, isFastdataError } from '../errors.js';

const NOT_FOUND = new Set(['FD_TOPIC_NOT_FOUND', 'FD_SUBJECT_NOT_FOUND', 'FD_KEY_NOT_FOUND', 'FD_ALERT_NOT_FOUND', 'FD_SILENCE_NOT_FOUND']);

export async function apiErrorHandler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  if (isFastdataError(error)) {
    const status = NOT_FOUND.has(error.code) ? 404 : error.code === 'FD_LOG_READ_ONLY' ? 409 : error.domain === 'user' ? 400 : 503;
    return reply.code(status).send({ error: { code: error.code, message: error.message, field: error.context.field } });
  }
  const validation = (error as { validation?: unknown }).validation;
  const status = (error as { statusCode?: number }).statusCode;
  if (validation !== undefined || (status !== undefined && status >= 400 && status < 500)) {
    // Fastify's own refusals: a body that is not JSON, too large, a wrong content type.
    return reply.code(status ?? 400).send({ error: { code: 'FD_ARGUMENT_INVALID', message: errorMessage(error) } });
  }
  request.log.error({ err: error }, 'API request failed');
  return reply.code(500).send({ error: { code: 'FD_INTERNAL', message: errorMessage(error) } });
}
