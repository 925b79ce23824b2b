/**
 * Where a new project gets fastdata from (`fastdata init --fastdata <source>`):
 *
 *   registry   `^<version>` from the npm registry: the default once fastdata is published there
 *   pack       the fastdata that runs `init`, packed (`npm pack`) into the project's vendor/
 *              and depended on as `file:vendor/fastdata-<version>.tgz`: installs like a
 *              registry package (one copy of rxjs, no build step), works offline, and can be
 *              committed so that a teammate's `npm install` works too. The default until then.
 *   link       `file:<the folder of the running fastdata>`: npm links it, for working on
 *              fastdata itself (its own node_modules and dist/ are used as they are)
 *   <path>     a tarball made by `npm pack` elsewhere, copied into vendor/
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { FastdataError } from '../errors.js';

/** Whether this version of fastdata is on the npm registry; set at release (docs/releasing.md). */
export const PUBLISHED_ON_NPM = false;

/** The folder of the running fastdata: its package.json, dist/ (or src/ under the tests). */
export const OWN_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ownVersion = (JSON.parse(readFileSync(join(OWN_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

export type FastdataSource = { kind: 'registry' } | { kind: 'pack' } | { kind: 'link' } | { kind: 'tarball'; path: string };

export const DEFAULT_SOURCE: FastdataSource = PUBLISHED_ON_NPM ? { kind: 'registry' } : { kind: 'pack' };

/** `--fastdata <source>` checked: a kind, or a path to an existing .tgz. */
export function parseFastdataSource(value: string | undefined): FastdataSource {
  if (value === undefined) return DEFAULT_SOURCE;
  if (value === 'registry' || value === 'pack' || value === 'link') return { kind: value };
  if (value.endsWith('.tgz') && existsSync(value)) return { kind: 'tarball', path: resolve(value) };
  throw new FastdataError(
    'FD_ARGUMENT_INVALID',
    `--fastdata ${JSON.stringify(value)}: give registry (npm), pack (this fastdata, packed into vendor/), link (this fastdata's folder) or the path of an existing .tgz`,
    { context: { field: '--fastdata' } },
  );
}

export interface FastdataDependency {
  /** The version spec of `dependencies.fastdata`. */
  spec: string;
  /** Said after "Next:", in words. */
  origin: string;
}

/** The dependency spec and its origin in words; nothing is written (provideFastdata does that). */
export function dependencyOn(source: FastdataSource): FastdataDependency {
  switch (source.kind) {
    case 'registry':
      return { spec: `^${ownVersion}`, origin: `fastdata ^${ownVersion} from the npm registry` };
    case 'link':
      return { spec: `file:${OWN_ROOT.replace(/\/$/, '')}`, origin: `fastdata linked from ${OWN_ROOT}` };
    case 'tarball':
      return { spec: `file:vendor/${basename(source.path)}`, origin: `fastdata from vendor/${basename(source.path)}` };
    case 'pack':
      return { spec: `file:vendor/${PACKED_NAME}`, origin: `fastdata ${ownVersion} from vendor/${PACKED_NAME}, packed from ${OWN_ROOT} (fastdata is not on the npm registry yet)` };
  }
}

/** What npm pack names the tarball of an unscoped package. */
const PACKED_NAME = `fastdata-${ownVersion}.tgz`;

/** Puts what the source needs into the project: the tarball into vendor/ (pack, tarball); nothing for registry and link. */
export async function provideFastdata(source: FastdataSource, projectRoot: string): Promise<void> {
  const vendor = join(projectRoot, 'vendor');
  if (source.kind === 'tarball') {
    await mkdir(vendor, { recursive: true });
    await copyFile(source.path, join(vendor, basename(source.path)));
  } else if (source.kind === 'pack') {
    const name = await packOwn(vendor);
    if (name !== PACKED_NAME) throw new FastdataError('FD_INTERNAL', `npm pack named the tarball ${name}, not ${PACKED_NAME}`);
  }
}

/** `npm pack` of the running fastdata into `dir`; the tarball's file name. */
async function packOwn(dir: string): Promise<string> {
  if (!existsSync(join(OWN_ROOT, 'dist', 'index.js'))) {
    throw new FastdataError('FD_ARGUMENT_INVALID', `the fastdata in ${OWN_ROOT} is not built (no dist/): run npm run build there, or pass --fastdata link or --fastdata registry`, {
      context: { field: '--fastdata' },
    });
  }
  // Packed beside, then moved in: a failed pack leaves no half tarball in the project.
  const scratch = await mkdtemp(join(tmpdir(), 'fastdata-pack-'));
  try {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    // --ignore-scripts: `prepare` would rebuild dist/, which is what is being packed.
    const { stdout } = await promisify(execFile)(npm, ['pack', '--ignore-scripts', '--json', '--loglevel=error', '--pack-destination', scratch], { cwd: OWN_ROOT, maxBuffer: 64 * 1024 * 1024 });
    const name = (JSON.parse(stdout) as { filename: string }[])[0]!.filename;
    await mkdir(dir, { recursive: true });
    await rename(join(scratch, name), join(dir, name)).catch(async () => copyFile(join(scratch, name), join(dir, name)));
    return name;
  } catch (error) {
    if (error instanceof FastdataError) throw error;
    throw new FastdataError('FD_ARGUMENT_INVALID', `npm pack of ${OWN_ROOT} failed (${(error as Error).message.split('\n')[0]}); pass --fastdata registry or the path of a .tgz instead`, {
      context: { field: '--fastdata' },
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
