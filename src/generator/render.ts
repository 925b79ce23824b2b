/**
 * Renders a folder of `templates/` (shipped in the npm package beside dist/) into the
 * files a command writes. Templates are real files so they can be read, and the stream
 * template type-checked, as they are; see templates/README.md for the two rules below.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FastdataError } from '../errors.js';
import type { PlannedFile } from './planned-file.js';

export type TemplateKind = 'project' | 'stream' | 'alert' | 'dashboard';
export type TemplateVars = Readonly<Record<string, string>>;

/** `templates/` of this package: two levels up from src/generator/ and dist/generator/ alike. */
export const TEMPLATES_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));

const TOKEN = /__([A-Za-z][A-Za-z0-9]*)__/g;
/** npm never packs a `.gitignore`, so dotfiles ship as `dot-<name>`. */
const DOTFILE = /^dot-/;

/** Replaces every `__token__`; an unknown token is our bug, so it is an error, never left in a user's file. */
export function substitute(text: string, vars: TemplateVars, where: string): string {
  return text.replace(TOKEN, (whole, token: string) => {
    const value = vars[token];
    if (value === undefined) {
      throw new FastdataError('FD_INTERNAL', `template ${where}: no value for ${whole}; known: ${Object.keys(vars).join(', ')}`);
    }
    return value;
  });
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** The files of `templates/<kind>/` with their paths and texts rendered, in path order. */
export async function renderTemplate(kind: TemplateKind, vars: TemplateVars): Promise<PlannedFile[]> {
  const root = join(TEMPLATES_DIR, kind);
  const files: PlannedFile[] = [];
  for (const file of await filesUnder(root)) {
    const where = `${kind}/${relative(root, file).split(sep).join('/')}`;
    const segments = relative(root, file).split(sep).map((s) => s.replace(DOTFILE, '.'));
    const path = substitute(segments.join('/'), vars, where);
    files.push({ path, content: substitute(await readFile(file, 'utf8'), vars, where) });
  }
  return files;
}
