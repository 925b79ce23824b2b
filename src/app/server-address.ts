/**
 * Where the server of the process that holds an embedded data dir listens:
 * `<dataDir>/server.json` ({ url, pid }), written when its HTTP role starts and removed when
 * it stops. Another process that needs to write into that data dir (`fastdata produce`
 * beside `fastdata dev`, which holds the log) sends its records there instead. A file left by
 * a process killed with SIGKILL is recognised: its pid is gone, or its URL does not answer.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const FILE = 'server.json';

export async function writeServerAddress(dataDir: string, url: string): Promise<void> {
  await writeFile(join(dataDir, FILE), `${JSON.stringify({ url, pid: process.pid })}\n`);
}

export async function removeServerAddress(dataDir: string): Promise<void> {
  await rm(join(dataDir, FILE), { force: true });
}

/** The URL of the server of the process holding `dataDir`, if that process is alive. */
export async function readServerAddress(dataDir: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(join(dataDir, FILE), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const { url, pid } = JSON.parse(text) as { url?: unknown; pid?: unknown };
    if (typeof url !== 'string' || typeof pid !== 'number') return undefined;
    process.kill(pid, 0); // throws when the process is gone
    return url;
  } catch {
    return undefined;
  }
}
