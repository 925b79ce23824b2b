/**
 * The code version of a module: the last git commit that touched its file, the
 * checkout's HEAD, and whether the file has uncommitted changes. Asked of the `git`
 * command in the file's folder; outside a checkout, without git installed, or when git
 * takes too long, the answer is null: provenance never fails for want of git.
 */
import { execFile } from 'node:child_process';
import { basename, dirname } from 'node:path';
import type { CodeVersion } from './types.js';

const TIMEOUT_MS = 2_000;

function git(args: string[], cwd: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, timeout: TIMEOUT_MS, windowsHide: true }, (error, stdout) => resolve(error ? undefined : stdout.trim()));
  });
}

export async function codeVersion(file: string): Promise<CodeVersion | null> {
  const cwd = dirname(file);
  const head = await git(['rev-parse', 'HEAD'], cwd);
  if (head === undefined) return null;
  const [commit, status] = await Promise.all([git(['log', '-1', '--format=%H', '--', basename(file)], cwd), git(['status', '--porcelain', '--', basename(file)], cwd)]);
  return { commit: commit || null, head: head || null, modified: (status ?? '') !== '' };
}
