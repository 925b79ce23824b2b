/**
 * `fastdata replay` through a running `fastdata dev`: POST /api/replay on the server of the
 * process that holds the data dir (serve/replay/replay-route.ts), reading its NDJSON answer
 * line by line. A server with `server.tokens` takes the token in FASTDATA_CLIENT_TOKEN (of
 * scope admin), as `fastdata produce` sends its own.
 */
import { ERROR_CODES, type ErrorCode, FastdataError, errorMessage } from '../../errors.js';
import type { ReplayProgress, ReplayResult } from '../../stream/replay/replay.js';

export interface RemoteReplayRequest {
  module: string;
  from: number;
  to?: number;
  output: string;
  /** The client's project: the server refuses another one. */
  root: string;
}

export interface RemoteReplayStarted {
  module: string;
  inputs: string[];
  /** The module's own output topic, to compare with. */
  liveOutput: string;
  from: number;
  to?: number;
  output: string;
  where: string;
}

export interface RemoteReplayHandlers {
  started(started: RemoteReplayStarted): void;
  progress(progress: ReplayProgress): void;
}

type Line =
  | ({ type: 'started' } & RemoteReplayStarted)
  | ({ type: 'progress' } & ReplayProgress)
  | { type: 'done'; result: ReplayResult }
  | { type: 'error'; error: { code?: string; message?: string; field?: string } };

function authorization(): Record<string, string> {
  const token = process.env.FASTDATA_CLIENT_TOKEN;
  return token ? { authorization: `Bearer ${token}` } : {};
}

function serverError(base: string, status: number, error: { code?: string; message?: string; field?: string } | undefined): FastdataError {
  const code: ErrorCode = error?.code !== undefined && error.code in ERROR_CODES ? (error.code as ErrorCode) : status === 404 ? 'FD_ARGUMENT_INVALID' : 'FD_INTERNAL';
  const hint =
    status === 401 || status === 403
      ? ' (set FASTDATA_CLIENT_TOKEN to a token of scope admin)'
      : status === 404 && error?.code === undefined
        ? ' (that server has no /api/replay: is it a fastdata dev of this version?)'
        : '';
  return new FastdataError(code, `${error?.message ?? `${base} answered HTTP ${status}`}${hint}`, { context: error?.field ? { field: error.field } : {} });
}

/** Runs the replay in the process serving `base`; resolves with its result, throws what it answered. */
export async function replayThroughServer(base: string, request: RemoteReplayRequest, handlers: RemoteReplayHandlers): Promise<ReplayResult> {
  const url = `${base.replace(/\/$/, '')}/api/replay`;
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...authorization() }, body: JSON.stringify(request) });
  } catch (error) {
    throw new FastdataError('FD_ARGUMENT_INVALID', `cannot reach the fastdata server at ${base} (${errorMessage(error)}), which holds the data dir; is 'fastdata dev' still running?`, { context: { field: 'url' } });
  }
  if (response.status !== 200 || response.body === null) {
    const body = (await response.json().catch(() => ({}))) as { error?: { code?: string; message?: string; field?: string } };
    throw serverError(base, response.status, body.error);
  }
  const decoder = new TextDecoder();
  let pending = '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    pending += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = pending.indexOf('\n')) >= 0) {
      const text = pending.slice(0, end).trim();
      pending = pending.slice(end + 1);
      if (text === '') continue;
      const line = JSON.parse(text) as Line;
      if (line.type === 'started') handlers.started(line);
      else if (line.type === 'progress') handlers.progress(line);
      else if (line.type === 'done') return line.result;
      else if (line.type === 'error') throw serverError(base, 200, line.error);
    }
  }
  throw new FastdataError('FD_INTERNAL', `${base}: the answer ended before the replay did (did fastdata dev stop?); run the replay again into a new or emptied topic`);
}
