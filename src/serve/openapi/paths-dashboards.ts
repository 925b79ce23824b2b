/**
 * The dashboards' routes (dashboards/routes.ts) and the page scripts. Written here from
 * that file's routes rather than as schemas on them: dashboards/ is another change's area.
 */
import { errors, json, pathParam, type Operation } from './common.js';

const tags = ['dashboards'];
const html = { description: 'HTML', content: { 'text/html': { schema: { type: 'string' } } } };
const name = pathParam('name', 'a dashboard: the name of its file in dashboards/ without .yaml');

export const dashboardOperations: Record<string, Operation> = {
  'GET /api/dashboards': {
    tags,
    summary: 'Every dashboard file: name, title, link, and its problems (file:line:col field: message)',
    responses: {
      '200': json('the dashboards', {
        type: 'object',
        properties: { dashboards: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, title: { type: ['string', 'null'] }, file: { type: 'string' }, url: { type: 'string' }, valid: { type: 'boolean' }, errors: { type: 'array', items: { type: 'string' } } } } } },
      }),
    },
  },
  'GET /api/dashboards/{name}': {
    tags,
    summary: 'A dashboard\'s checked definition (panels, topics, fields)',
    parameters: [name],
    responses: {
      '200': json('the definition', { type: 'object' }),
      ...errors([404, 'no dashboard of that name; the message lists them'], [422, 'the file is not valid; `problems` lists each with its line and field']),
    },
  },
  'GET /dashboards/{name}': { tags: ['pages'], summary: 'A dashboard page (an invalid one shows its problems where the panels would be)', parameters: [name], responses: { '200': html, '404': html } },
  'GET /web/{path}': {
    tags: ['pages'],
    summary: "The pages' bundled scripts and styles (dist/web/)",
    parameters: [pathParam('path', 'a file of dist/web/, e.g. dashboard.js')],
    responses: { '200': { description: 'the file, with ETag and Last-Modified' }, '404': { description: 'no such file' } },
  },
};
