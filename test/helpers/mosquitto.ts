/**
 * A real Mosquitto MQTT broker for the tests of the `mqtt` source (test/integration/
 * mqtt-source.test.ts): the Debian package's /usr/sbin/mosquitto on 127.0.0.1, on a free
 * port, with a config of its own in a temp dir:
 *
 * - anonymous clients allowed (the tests use no credentials);
 * - persistence on, in the temp dir, so a persistent (clean: false) session and the QoS 1
 *   messages queued for it survive a broker restart: `stop()` ends it with SIGTERM and
 *   waits for its exit, when it writes its database; `kill()` (SIGKILL) loses what it had
 *   not saved since the last autosave (every second here);
 * - in-flight and queue limits raised (max_inflight_messages, max_queued_messages 0 = no
 *   limit), so a subscriber that is away or slow does not make the broker drop messages,
 *   and throughput tests are not held to 20 messages in flight.
 *
 * `start()` after `stop()`/`kill()` starts it again on the same port and persistence file.
 *
 * Without the binary: in CI (CI=true) `mosquittoSkipReason()` throws, telling to install
 * the Debian package mosquitto (.ci/run does); elsewhere it returns why the suite skips.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { tempDir } from './temp-dir.js';

export const MOSQUITTO_BIN = process.env.FASTDATA_MOSQUITTO ?? '/usr/sbin/mosquitto';
const HOST = '127.0.0.1';

/**
 * Why the MQTT suites cannot run here, or undefined when they can. In CI a missing broker
 * is an error, never a silent skip.
 */
export function mosquittoSkipReason(): string | undefined {
  if (existsSync(MOSQUITTO_BIN)) return undefined;
  const reason = `${MOSQUITTO_BIN} not found (set FASTDATA_MOSQUITTO to another path)`;
  if (process.env.CI === 'true') {
    throw new Error(`the MQTT source tests need the Mosquitto broker: ${reason}. Install the Debian package: apt-get install mosquitto (.ci/run lists it in APT_PACKAGES).`);
  }
  console.warn(`[mqtt tests] SKIPPED: ${reason}. To run them, install the Debian package mosquitto (apt-get install mosquitto).`);
  return reason;
}

export interface MosquittoOptions {
  /** max_inflight_messages (outgoing QoS 1/2 per client; MQTT v5 clients may ask for fewer with Receive Maximum). Default 0: no limit. */
  maxInflight?: number;
  /** max_queued_messages per client beyond those in flight. Default 0: no limit. */
  maxQueued?: number;
}

export class Mosquitto {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private output = '';

  private constructor(
    readonly port: number,
    private readonly dir: { path: string; remove: () => Promise<void> },
    private readonly configFile: string,
  ) {}

  /** Writes the config and starts the broker; resolves once it accepts connections. */
  static async start(options: MosquittoOptions = {}): Promise<Mosquitto> {
    const dir = await tempDir('fastdata-mosquitto-');
    const port = await freePort();
    const configFile = join(dir.path, 'mosquitto.conf');
    const lines = [
      `listener ${port} ${HOST}`,
      'allow_anonymous true',
      'persistence true',
      `persistence_location ${dir.path}/`,
      'persistence_file mosquitto.db',
      // Saves every second as well as on SIGTERM: a SIGKILL loses at most the last second.
      'autosave_interval 1',
      'autosave_on_changes false',
      `max_inflight_messages ${options.maxInflight ?? 0}`,
      `max_queued_messages ${options.maxQueued ?? 0}`,
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      'log_type notice',
      'log_type information',
      'connection_messages true',
      'log_timestamp_format %H:%M:%S',
      // As root, mosquitto drops to the user "mosquitto", which cannot write the temp dir.
      ...(process.getuid?.() === 0 ? ['user root'] : []),
    ];
    await writeFile(configFile, `${lines.join('\n')}\n`);
    const broker = new Mosquitto(port, dir, configFile);
    try {
      await broker.start();
    } catch (error) {
      await dir.remove();
      throw error;
    }
    return broker;
  }

  get url(): string {
    return `mqtt://${HOST}:${this.port}`;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** What the broker logged (for a failing test's message). */
  get log(): string {
    return this.output;
  }

  /** Starts the broker (again) on the same port and persistence; resolves once it accepts connections. */
  async start(): Promise<void> {
    if (this.child) return;
    const child = spawn(MOSQUITTO_BIN, ['-c', this.configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    // A test process that ends without its cleanup (a hung hook, a crash) takes its broker with it.
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    const append = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString('utf8')).slice(-20_000);
    };
    child.stdout!.on('data', append);
    child.stderr!.on('data', append);
    let exitCode: string | undefined;
    this.exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        process.removeListener('exit', killOnExit);
        exitCode = signal ?? String(code);
        if (this.child === child) this.child = undefined;
        resolve();
      });
      child.once('error', (error) => {
        exitCode = error.message;
        if (this.child === child) this.child = undefined;
        resolve();
      });
    });
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (exitCode !== undefined) throw new Error(`mosquitto exited (${exitCode}) while starting on port ${this.port}:\n${this.output}`);
      if (await accepts(this.port)) return;
      if (Date.now() > deadline) {
        await this.kill();
        throw new Error(`mosquitto did not accept connections on port ${this.port} within 10 s:\n${this.output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** SIGTERM, and waits for the exit: the broker saves its persistence database first. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }

  /** SIGKILL: what was not saved yet is lost. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill('SIGKILL');
    await this.exited;
  }

  /** Stops the broker and removes its directory. */
  async dispose(): Promise<void> {
    await this.kill();
    await this.dir.remove();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: HOST, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: HOST });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
