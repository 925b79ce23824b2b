import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { kafkaAnswers } from '../../../scripts/infra/kafka.js';

const HOST = '127.0.0.1';

/** Connections the servers accepted, destroyed after each test so the servers can close. */
const accepted = new Set<Socket>();

function listen(onConnection: (socket: Socket) => void): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => {
      accepted.add(socket);
      socket.once('close', () => accepted.delete(socket));
      onConnection(socket);
    });
    server.once('error', reject);
    server.listen(0, HOST, () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}

/** A port nothing listens on: one the OS just handed out, closed again. */
async function freePort(): Promise<number> {
  const { server, port } = await listen(() => {});
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A fake broker: reads one request, checks it is ApiVersions v0 with correlation id 1, answers with `errorCode`. */
function fakeBroker(errorCode: number, requests: Buffer[]) {
  return listen((socket) => {
    let received = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 4 || received.length < 4 + received.readInt32BE(0)) return;
      requests.push(received);
      const correlationId = received.readInt32BE(8);
      const response = Buffer.alloc(4 + 4 + 2 + 4);
      response.writeInt32BE(response.length - 4, 0);
      response.writeInt32BE(correlationId, 4);
      response.writeInt16BE(errorCode, 8);
      response.writeInt32BE(0, 10); // empty api_versions array
      socket.end(response);
    });
    socket.on('error', () => {});
  });
}

describe('kafkaAnswers', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const socket of accepted) socket.destroy();
    await Promise.all(servers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  });

  it('is false when nothing listens on the port', async () => {
    expect(await kafkaAnswers(HOST, await freePort(), 2_000)).toBe(false);
  });

  it('is false when something listens but never answers, after the timeout', async () => {
    const { server, port } = await listen((socket) => socket.on('error', () => {}));
    servers.push(server);
    // Without its own timeout it would wait forever, and this test would fail by the test timeout.
    expect(await kafkaAnswers(HOST, port, 200)).toBe(false);
  });

  it('is true when the broker answers its ApiVersions request without error', async () => {
    const requests: Buffer[] = [];
    const { server, port } = await fakeBroker(0, requests);
    servers.push(server);
    expect(await kafkaAnswers(HOST, port, 2_000)).toBe(true);
    expect(requests).toHaveLength(1);
    const request = requests[0]!;
    expect(request.readInt32BE(0)).toBe(request.length - 4); // size prefix
    expect(request.readInt16BE(4)).toBe(18); // ApiVersions
    expect(request.readInt16BE(6)).toBe(0); // version 0
    expect(request.readInt32BE(8)).toBe(1); // correlation id
    expect(request.subarray(14, 14 + request.readInt16BE(12)).toString()).toBe('fastdata-infra'); // client id
  });

  it('is false when the broker answers with an error code', async () => {
    const { server, port } = await fakeBroker(35, []); // UNSUPPORTED_VERSION
    servers.push(server);
    expect(await kafkaAnswers(HOST, port, 2_000)).toBe(false);
  });
});
