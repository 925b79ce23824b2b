/**
 * A Python virtual environment with packages from PyPI, for tests that run a real Python
 * client (Confluent's `confluent-kafka`) against fastdata. Made once under
 * `.cache/python/<name>/` in the repository (gitignored) and reused while its packages
 * are the same; a half-made one (no marker file) is made again.
 *
 * When it cannot be made (no python3, no venv module, no network to PyPI): in CI
 * (`CI=true`) that is an error, thrown so that the test file fails loudly; elsewhere the
 * caller skips, with the reason and how to enable the test.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type PythonVenv = { ok: true; python: string; dir: string } | { ok: false; reason: string };

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const MARKER = 'fastdata-venv.json';

function run(command: string, args: string[], timeoutMs: number): { ok: boolean; output: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1' } });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
  if (result.error) return { ok: false, output: `${command}: ${result.error.message}` };
  return { ok: result.status === 0, output };
}

const tail = (text: string) => text.split('\n').slice(-12).join('\n');

/**
 * The environment `name` with `packages` (pip requirement specifiers) installed; `check`
 * is Python code that must run in it (an import) for it to count as made.
 * The interpreter: FASTDATA_TEST_PYTHON, else `python3`.
 */
export function pythonVenv(name: string, packages: string[], check: string): PythonVenv {
  const dir = join(REPO, '.cache', 'python', name);
  const python = join(dir, 'bin', 'python');
  const marker = join(dir, MARKER);
  const wanted = JSON.stringify({ packages });
  if (existsSync(marker) && readFileSync(marker, 'utf8') === wanted && run(python, ['-c', check], 60_000).ok) return { ok: true, python, dir };

  // Made beside it and renamed into place, so that a run cut short or a concurrent run never leaves a half-made one in use.
  const base = process.env.FASTDATA_TEST_PYTHON ?? 'python3';
  const building = `${dir}.building-${process.pid}`;
  const builtPython = join(building, 'bin', 'python');
  rmSync(building, { recursive: true, force: true });
  mkdirSync(dirname(building), { recursive: true });
  try {
    const venv = run(base, ['-m', 'venv', building], 120_000);
    if (!venv.ok) return { ok: false, reason: `\`${base} -m venv\` failed:\n${tail(venv.output)}` };
    const pip = run(builtPython, ['-m', 'pip', 'install', '--quiet', ...packages], 600_000);
    if (!pip.ok) return { ok: false, reason: `\`pip install ${packages.join(' ')}\` failed:\n${tail(pip.output)}` };
    const imported = run(builtPython, ['-c', check], 60_000);
    if (!imported.ok) return { ok: false, reason: `the packages installed, but \`${check}\` failed:\n${tail(imported.output)}` };
    writeFileSync(join(building, MARKER), wanted);
    rmSync(dir, { recursive: true, force: true });
    renameSync(building, dir);
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
  return { ok: true, python, dir };
}

/**
 * `pythonVenv`, with the CI rule applied: in CI a failure throws; elsewhere it is logged
 * once (why, and how to enable the tests) and the caller skips.
 */
export function requirePythonVenv(name: string, packages: string[], check: string, what: string): PythonVenv {
  const venv = pythonVenv(name, packages, check);
  if (venv.ok) return venv;
  if (process.env.CI === 'true') throw new Error(`${what}: could not make the Python environment (required in CI): ${venv.reason}`);
  console.warn(
    `${what} SKIPPED: ${venv.reason}\n` +
      'To run it: install Python 3.9+ with the venv module (FASTDATA_TEST_PYTHON=/path/to/python3 to choose one) and let pip reach PyPI; CI=true makes this a failure instead of a skip.',
  );
  return venv;
}
