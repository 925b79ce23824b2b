/**
 * GET /api/openapi.json: the OpenAPI 3.1 document of every route of the server (built in
 * src/serve/openapi/ from the routes the server registered, each output's paths typed by
 * its registered Avro schema), and GET /api/docs: the same as a page (Swagger UI from
 * swagger-ui-dist, served locally).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildOpenApiDocument } from '../openapi/document.js';
import type { RegisteredRoute } from '../openapi/route-collector.js';
import type { AccessLayer } from './access-layer.js';

/** The document of the given routes (none: only the outputs' own paths) and the outputs of `access`. */
export async function openApiDocument(access?: AccessLayer, routes: readonly RegisteredRoute[] = []): Promise<Record<string, unknown>> {
  return buildOpenApiDocument(routes, access);
}

/** Where swagger-ui-dist is installed, found as Node finds the package. */
const swaggerDir = () => dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

/** `routes`: every route of the server, as collectRoutes gathers them (read at each request, so routes added later count). */
export function openApiRoutes(app: FastifyInstance, options: { routes: readonly RegisteredRoute[]; access?: AccessLayer }): void {
  app.get('/api/openapi.json', async () => openApiDocument(options.access, options.routes));
  const dir = swaggerDir();
  for (const [file, type] of [
    ['swagger-ui-bundle.js', 'application/javascript'],
    ['swagger-ui.css', 'text/css'],
  ] as const) {
    app.get(`/api/docs/${file}`, async (_request, reply) => reply.type(type).header('cache-control', 'max-age=3600').send(readFileSync(join(dir, file))));
  }
  app.get('/api/docs', async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(`<!doctype html>
<html><head><meta charset="utf-8"><title>fastdata: API</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/api/docs/swagger-ui.css"></head>
<body><div id="ui"></div><script src="/api/docs/swagger-ui-bundle.js"></script>
<script nonce="${reply.cspNonce.script}">SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#ui' });</script></body></html>`),
  );
}
