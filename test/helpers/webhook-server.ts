/**
 * A real HTTP webhook receiver on 127.0.0.1 for alert tests: records every POST (body,
 * headers, whether its signature verifies) and answers 200, or 503 while `down`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySignature } from '../../src/alerts/receivers/signature.js';

export interface ReceivedPost {
  body: Record<string, unknown>;
  idempotencyKey: string;
  signed: boolean;
  /** The status this server answered. */
  answered: number;
}

export interface WebhookServer {
  url: string;
  /** Every POST, answered or refused, in arrival order. */
  posts: ReceivedPost[];
  /** The POSTs answered 200: what the receiver has taken. */
  accepted(): ReceivedPost[];
  /** While true, every POST is answered 503 (the receiver is down). */
  down: boolean;
  close(): Promise<void>;
}

export async function startWebhookServer(secret: string): Promise<WebhookServer> {
  const posts: ReceivedPost[] = [];
  const state = { down: false };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks);
      const answered = state.down ? 503 : 200;
      posts.push({
        body: JSON.parse(raw.toString('utf8')) as Record<string, unknown>,
        idempotencyKey: String(request.headers['idempotency-key']),
        signed: verifySignature(raw, secret, request.headers['x-fastdata-signature'] as string | undefined),
        answered,
      });
      response.writeHead(answered, { 'content-type': 'text/plain', ...(answered === 503 ? { 'retry-after': '0' } : {}) });
      response.end(answered === 200 ? 'ok' : 'down for maintenance');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    posts,
    accepted: () => posts.filter((p) => p.answered === 200),
    get down() {
      return state.down;
    },
    set down(value: boolean) {
      state.down = value;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
