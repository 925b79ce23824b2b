/**
 * The routes of the server itself: its status, the session cookie, metrics, the API's own
 * document and docs page, the WebSocket endpoint and the status page.
 */
import { SESSION_COOKIE } from '../guard/request-guard.js';
import { errors, json, type Operation } from './common.js';

const html = { description: 'HTML', content: { 'text/html': { schema: { type: 'string' } } } };

export const platformOperations: Record<string, Operation> = {
  'GET /api/status': {
    tags: ['status'],
    summary: 'The process: its modules, sources and topics, with their state',
    description: "The machine's folders are named relative to the project ('.', '<dataDir>').",
    responses: { '200': json('the status', { type: 'object' }) },
  },
  'POST /api/session': {
    tags: ['session'],
    summary: 'Trade a bearer token for the session cookie (what the pages do with the #token= of their URL)',
    description: `Send the token as Authorization: Bearer; the answer sets ${SESSION_COOKIE} (HttpOnly, SameSite=Strict, Secure over HTTPS). Without server.tokens it answers 204 and sets nothing.`,
    responses: { '204': { description: 'the cookie is set', headers: { 'Set-Cookie': { schema: { type: 'string' } } } }, ...errors([400, 'no Authorization: Bearer header']) },
  },
  'GET /api/session': {
    tags: ['session'],
    summary: "Who the caller's token belongs to and its scope (the dashboard shows write actions only to those who may)",
    responses: {
      '200': json('the holder; open: true (and scope admin) on a server without tokens', { type: 'object', required: ['name', 'scope', 'open'], properties: { name: { type: ['string', 'null'] }, scope: { type: ['string', 'null'], enum: ['read', 'write', 'admin', null] }, open: { type: 'boolean' } } }),
    },
  },
  'DELETE /api/session': { tags: ['session'], summary: 'Clear the session cookie', responses: { '204': { description: 'the cookie is cleared' } } },
  'GET /metrics': { tags: ['metrics'], summary: 'Prometheus metrics (text exposition format)', responses: { '200': { description: 'the metrics', content: { 'text/plain': { schema: { type: 'string' } } } } } },
  'GET /api/metrics/modules': {
    tags: ['metrics'],
    summary: "Per module: rates, lag, watermark delay, late and dead-lettered counts (the status page's figures)",
    responses: { '200': json('the modules', { type: 'object', properties: { modules: { type: 'array', items: { type: 'object' } } } }) },
  },
  'GET /api/openapi.json': { tags: ['docs'], summary: 'This document', responses: { '200': json('the OpenAPI document', { type: 'object' }) } },
  'GET /api/docs': { tags: ['docs', 'pages'], summary: 'This document as a page (Swagger UI)', responses: { '200': html } },
  'GET /api/docs/swagger-ui-bundle.js': { tags: ['docs'], summary: "The docs page's script", responses: { '200': { description: 'JavaScript', content: { 'application/javascript': { schema: { type: 'string' } } } } } },
  'GET /api/docs/swagger-ui.css': { tags: ['docs'], summary: "The docs page's styles", responses: { '200': { description: 'CSS', content: { 'text/css': { schema: { type: 'string' } } } } } },
  'GET /ws': {
    tags: ['outputs'],
    summary: 'The live outputs over WebSocket (subscribe with history, resume, conflation): docs/websocket.md',
    description: 'An Upgrade: websocket request. Frames are JSON: {"op":"subscribe","topic":...} and the answers docs/websocket.md (in the fastdata package) lists. A page from another origin is refused unless server.allowedOrigins names it.',
    responses: { '101': { description: 'switching to the WebSocket protocol' }, ...errors(401, 403) },
  },
  'GET /': { tags: ['pages'], summary: 'The status page: dashboards, outputs, modules with live metrics, sources, topics', responses: { '200': html } },
};
