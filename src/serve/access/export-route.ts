/**
 * GET /api/outputs/:topic/export?from&to&key&format=jsonl|csv|avro: a time range of an
 * output as a download (JSON lines, CSV with a column per field, or an Avro object
 * container file with the registered schema), for BI tools and notebooks. Streamed page by
 * page from the log, so memory stays flat whatever the range; capped at MAX_EXPORT records.
 */
import { PassThrough, type Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { FastdataError, errorMessage } from '../../errors.js';
import { avroFieldPaths } from '../../schema/avro-json-schema.js';
import { avroContainer, contentTypeOf, csv, EXPORT_FORMATS, type ExportFormat, fileExtensionOf, jsonLines } from '../export-formats.js';
import type { AccessLayer } from './access-layer.js';
import { parseKey, parseOneOf, parseTime } from './query-params.js';

export const MAX_EXPORT = 1_000_000;
const PAGE = 5_000;

export function exportRoute(app: FastifyInstance, access: AccessLayer, now: () => number): void {
  app.get<{ Params: { topic: string }; Querystring: Record<string, string | string[] | undefined> }>('/:topic/export', async (request, reply) => {
    const { topic } = request.params;
    const q = request.query;
    const format: ExportFormat = parseOneOf('format', q.format, EXPORT_FORMATS) ?? 'jsonl';
    const t = now();
    const from = parseTime('from', q.from, t) ?? t - 3_600_000;
    const to = parseTime('to', q.to, t) ?? t + 1;
    if (from >= to) throw new FastdataError('FD_ARGUMENT_INVALID', `from (${new Date(from).toISOString()}) must be before to (${new Date(to).toISOString()})`, { context: { field: 'from' } });
    const key = parseKey('key', q.key);
    await access.output(topic);
    const schema = await access.schema(topic);

    const encoder = format === 'csv' ? csv(avroFieldPaths(schema.avro)) : format === 'avro' ? avroContainer(schema.avro, { codec: 'deflate' }) : jsonLines();
    const source = new PassThrough({ objectMode: true });
    const body: Readable = source.pipe(encoder);
    // Pages are written as the client reads: `write` returning false waits for 'drain'.
    void (async () => {
      let cursor: Record<number, number> | undefined;
      let sent = 0;
      try {
        do {
          const page = await access.range(topic, { from, to, limit: PAGE, ...(key ? { key } : {}), ...(cursor ? { cursor } : {}) });
          for (const record of page.records) {
            if (sent++ >= MAX_EXPORT) break;
            if (!source.write(record)) await new Promise((resolve) => source.once('drain', resolve));
          }
          cursor = page.next;
        } while (cursor && sent < MAX_EXPORT && !request.raw.destroyed);
        source.end();
      } catch (error) {
        // Headers are gone already: end the body early; the client sees a truncated file.
        request.log.error({ err: error }, `export of ${topic} failed: ${errorMessage(error)}`);
        body.destroy(error as Error);
      }
    })();
    const name = `${topic}-${new Date(from).toISOString()}-${new Date(to).toISOString()}`.replace(/[:]/g, '');
    return reply
      .type(contentTypeOf(format))
      .header('content-disposition', `attachment; filename="${name}${fileExtensionOf(format)}"`)
      .send(body);
  });
}
