/**
 * The model author's first minutes, as they would live them: `fastdata init` a project
 * (which packs this working tree's fastdata into the project's vendor/, so the test sees
 * exactly what the package ships), run the steps it printed as printed (npm install,
 * npm start, npm test), add a stream, an alert and a dashboard with `fastdata new`, read an
 * output record over REST from the `npm start` it printed, see the new dashboard in a
 * browser, and have a typo'd save refused with its file:line:col while the module runs on.
 *
 * Slow (npm installs fastdata's dependencies, from the npm cache when it has them): a
 * few minutes on a cold cache. Needs dist/ built (npm test builds it first) and the npm
 * registry or a warm npm cache.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { eventually } from '../helpers/eventually.js';
import { tempDir } from '../helpers/temp-dir.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const INSTALL_TIMEOUT = 10 * 60_000;
const CHROMIUM = process.env.FASTDATA_CHROMIUM ?? '/usr/bin/chromium';
// In CI the browser part cannot be skipped: launching a missing Chromium fails the test.
const haveChromium = existsSync(CHROMIUM) || process.env.CI === 'true';
const NPM_FLAGS = ['--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'];

interface Run {
  code: number | null;
  /** stdout alone, for output to parse. */
  stdout: string;
  /** stdout and stderr as they came, for failure messages. */
  output: string;
}

/** Runs a command to completion, stdout and stderr together; a hang is bounded by `timeoutMs`. */
function run(command: string, args: string[], cwd: string, timeoutMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    // Out of this test run's npm context: its npm_* variables would steer the inner npm.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('npm_')));
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let output = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      output += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not finish in ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, output });
    });
  });
}

describe('fastdata init: a new project on the fastdata of this working tree', () => {
  let tmp: { path: string; remove: () => Promise<void> };
  let project: string;
  let dev: ChildProcess | undefined;

  /** The steps `init` printed after "Next:", without their comments, in order. */
  let steps: string[];

  beforeAll(async () => {
    if (!existsSync(join(repo, 'dist/cli/main.js'))) throw new Error('dist/ is not built: run npm run build (npm test does) before this test');
    tmp = await tempDir('fastdata-init-');
    project = join(tmp.path, 'plant-monitor');

    // As a new user: init (which packs the fastdata that runs it into vendor/, fastdata not being on npm), then each printed step.
    const init = await runCli(['init', 'plant-monitor'], { cwd: tmp.path, timeoutMs: 120_000 });
    expect(init.code, init.stderr).toBe(0);
    expect(init.stderr).toContain('created the fastdata project plant-monitor');
    steps = init.stderr.split('Next:')[1]!.split('\n').map((line) => line.replace(/#.*$/, '').trim()).filter(Boolean);
    expect(steps).toEqual(['cd plant-monitor', 'npm install', 'npm start', 'npm test']);
    const install = await run(NPM, ['install', ...NPM_FLAGS], project, INSTALL_TIMEOUT);
    expect(install.code, install.output).toBe(0);
    expect(install.output).not.toMatch(/ERR!|404/);
  }, 2 * INSTALL_TIMEOUT);

  afterAll(async () => {
    if (dev && dev.exitCode === null && dev.signalCode === null) {
      const closed = new Promise((resolve) => dev!.once('close', resolve));
      process.kill(-dev.pid!, 'SIGKILL');
      await closed;
    }
    await tmp?.remove();
  });

  it('scaffolds the project a model author needs, depending on fastdata', async () => {
    const pkg = JSON.parse(await readFile(join(project, 'package.json'), 'utf8')) as { name: string; scripts: Record<string, string>; dependencies: Record<string, string> };
    expect(pkg.name).toBe('plant-monitor');
    expect(pkg.scripts.start).toBe('fastdata dev');
    expect(pkg.dependencies.fastdata).toMatch(/^file:vendor\/fastdata-.*\.tgz$/);
    expect(existsSync(join(project, pkg.dependencies.fastdata!.slice('file:'.length)))).toBe(true);
    for (const file of ['tsconfig.json', 'fastdata.config.yaml', 'docker-compose.yml', '.gitignore', 'README.md', 'streams/temperature-stats.ts', 'streams/temperature-stats.test.ts', 'schemas/temperature-stats.avsc', 'alerts/hot-sensor.yaml', 'alerts/receivers.yaml', 'dashboards/sensors.yaml']) {
      expect(existsSync(join(project, file)), file).toBe(true);
    }
  });

  it('passes its own tests (the module through fastdata/testing, the alert rule) and type-checks', async () => {
    const tests = await run(NPM, ['test'], project, 120_000);
    expect(tests.code, tests.output).toBe(0);
    expect(tests.output).toMatch(/# pass 2\b/);
    expect(tests.output).toContain('2 passed, 0 failed');
    const types = await run(NPM, ['run', 'typecheck'], project, 120_000);
    expect(types.code, types.output).toBe(0);
  }, 300_000);

  it("runs the README's `fastdata new` commands as written, and their tests pass too", async () => {
    // The generated README's "Add to it" block, copied as a reader would (it said `new alert hot-sensor`, which init had written).
    const readme = await readFile(join(project, 'README.md'), 'utf8');
    const block = /## Add to it\n+```sh\n([\s\S]*?)```/.exec(readme)?.[1];
    const commands = block!.split('\n').map((line) => line.replace(/#.*$/, '').trim()).filter(Boolean);
    expect(commands.map((c) => c.split(/\s+/).slice(0, 4).join(' '))).toEqual(['npx fastdata new stream', 'npx fastdata new alert', 'npx fastdata new dashboard']);
    for (const command of commands) {
      const [npx, ...args] = command.split(/\s+/);
      const made = await run(npx!, args, project, 60_000);
      expect(made.code, `${command}\n${made.output}`).toBe(0);
    }
    const fastdata = join(project, 'node_modules/fastdata/bin/fastdata.js');
    const again = await run(process.execPath, [fastdata, 'new', 'stream', 'humidity-stats'], project, 60_000);
    expect(again.code).toBe(2);
    expect(again.output).toContain('streams/humidity-stats.ts');
    const tests = await run(NPM, ['test'], project, 120_000);
    expect(tests.code, tests.output).toBe(0);
    expect(tests.output).toMatch(/# pass 4\b/);
    expect(tests.output).toContain('4 passed, 0 failed');
  }, 300_000);

  it("starts with `npm start` as printed, serves an output record and its dashboard, and refuses a typo'd save", async () => {
    expect(steps).toContain('npm start');
    // As printed; only the port (any free one) and the data dir (the test's own) come from the environment.
    // Its own process group, so that Ctrl-C reaches npm and fastdata as a terminal's would.
    const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('npm_'))), FASTDATA_SERVER__PORT: '0', FASTDATA_DATA_DIR: join(tmp.path, 'data') };
    dev = spawn(NPM, ['start'], { cwd: project, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    dev.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    dev.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    const url = await eventually(() => /outputs over REST: (http:\/\/127\.0\.0\.1:\d+)\/api\/outputs/.exec(output)?.[1], { timeoutMs: 60_000, intervalMs: 100 });
    // The generator writes ten minutes of history first, so closed minutes come at once.
    const found = await eventually(
      async () => {
        const response = await fetch(`${url}/api/outputs/temperature-stats/latest`);
        const body = (await response.json()) as { records?: { key: string; value: { sensorId: string; count: number; windowEnd: number; windowStart: number } }[] };
        return body.records?.[0];
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    ).catch((error: Error) => {
      throw new Error(`${error.message}\nfastdata dev said:\n${output}`);
    });
    const record = found!; // eventually returns only once the check gave a value
    expect(record.key).toBe(record.value.sensorId);
    expect(record.value.windowEnd - record.value.windowStart).toBe(60_000);
    expect(record.value.count).toBeGreaterThan(0);

    // The dashboard `fastdata new dashboard overview` made, in a real browser: every panel draws the module's output.
    if (haveChromium) {
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
      try {
        const page = await browser.newPage();
        const problems: string[] = [];
        page.on('pageerror', (error) => problems.push(error.message));
        page.on('console', (message) => (message.type() === 'error' ? problems.push(message.text()) : undefined));
        await page.goto(`${url}/dashboards/overview`);
        await page.waitForFunction(() => (globalThis as unknown as { __fastdata?: { historyLoaded: boolean; points: number } }).__fastdata?.historyLoaded === true, undefined, { timeout: 30_000 });
        const kinds = await page.locator('section.panel').evaluateAll((sections) =>
          sections.map((s) => {
            const data = (s as unknown as { dataset: Record<string, string> }).dataset;
            return `${data.kind}:${data.points}`;
          }),
        );
        expect(kinds.length, kinds.join(' ')).toBeGreaterThan(0);
        expect(kinds.filter((k) => k.startsWith('error:')), kinds.join(' ')).toEqual([]);
        expect(await page.evaluate(() => (globalThis as unknown as { __fastdata: { points: number } }).__fastdata.points)).toBeGreaterThan(0);
        await mkdir(join(repo, 'test-artifacts'), { recursive: true });
        await page.screenshot({ path: join(repo, 'test-artifacts', 'init-project-overview.png'), fullPage: true });
        expect(problems).toEqual([]);
      } finally {
        await browser.close();
      }
    }

    // A typo'd save is refused with its file:line:col (the project's TypeScript checks it), and the module runs on as it was.
    const modulePath = join(project, 'streams/temperature-stats.ts');
    const source = await readFile(modulePath, 'utf8');
    const at = source.indexOf('mean((r) => r.temperature)') + 'mean((r) => r.'.length;
    const line = source.slice(0, at).split('\n').length;
    const column = at - source.lastIndexOf('\n', at - 1);
    await writeFile(modulePath, source.replace('mean((r) => r.temperature)', 'mean((r) => r.temperatur)'));
    const refusal = `streams/temperature-stats.ts:${line}:${column}`;
    await eventually(() => output.includes('NOT RELOADED') && output.includes(refusal), { timeoutMs: 60_000, intervalMs: 100 }).catch((error: Error) => {
      throw new Error(`${error.message}: no refusal naming ${refusal}; fastdata dev said:\n${output}`);
    });
    const status = (await (await fetch(`${url}/api/status`)).json()) as { modules: { module: string; state: string }[]; loadFailures?: { file: string; error: string }[] };
    expect(status.modules.find((m) => m.module === 'temperature-stats')?.state).toBe('running');
    expect(status.loadFailures?.map((f) => f.error).join('\n')).toContain('temperatur');
    await writeFile(modulePath, source);

    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => dev!.once('close', (code, signal) => resolve({ code, signal })));
    process.kill(-dev.pid!, 'SIGINT'); // Ctrl-C: checkpoints and stops
    const { code, signal } = await exited;
    // fastdata stops cleanly; npm then ends as a terminal's Ctrl-C ends it, by the signal.
    expect(output).toMatch(/\d\d:\d\d:\d\d stopped\n/);
    expect(code === 0 || signal === 'SIGINT', `${code} ${signal}\n${output}`).toBe(true);
  }, 180_000);
});
