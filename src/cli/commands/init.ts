/**
 * `fastdata init <dir>`: a new project that depends on fastdata, ready for
 * `npm install && npm start` on the embedded default (no servers). Until fastdata is on the
 * npm registry the project depends on a tarball of the fastdata that ran init, in vendor/
 * (generator/fastdata-dependency.ts), so that the printed steps work as printed.
 */
import { basename, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { checkName, checkWritable, dependencyOn, parseFastdataSource, projectFiles, provideFastdata, writeFiles } from '../../generator/index.js';
import { info, writeLine } from '../output.js';

export interface InitOptions {
  name?: string;
  force: boolean;
  /** Where the project gets fastdata: registry, pack, link or a .tgz (generator/fastdata-dependency.ts). */
  fastdata?: string;
}

export async function init(dir: string, options: InitOptions): Promise<void> {
  const root = resolve(dir);
  // The folder name is the default package name; say which of the two is wrong.
  const name =
    options.name === undefined
      ? checkName('<dir> (its folder name is the package name)', basename(root), 'fastdata init my-app, or keep the folder and pass --name my-app')
      : checkName('--name', options.name, '--name my-app');
  const source = parseFastdataSource(options.fastdata);
  const dependency = dependencyOn(source);
  const files = await projectFiles(name, dependency.spec);
  // Checked before the tarball is made, so a refused init leaves the folder as it was.
  await checkWritable(root, files, { force: options.force });
  await provideFastdata(source, root);
  const written = await writeFiles(root, files, { force: true });
  for (const path of written) await writeLine(path);
  const near = relative(process.cwd(), root);
  const cd = near === '' ? '.' : near.startsWith('..') ? root : near;
  info('');
  info(`created the fastdata project ${name} in ${cd} (${written.length} files), with ${dependency.origin}. Next:`);
  if (cd !== '.') info(`  cd ${cd}`);
  info('  npm install');
  info('  npm start          # runs it on the embedded log: http://127.0.0.1:7070');
  info('  npm test           # the module and alert rule tests');
}

export function registerInit(root: Command): void {
  root
    .command('init')
    .description('scaffold a new project that depends on fastdata: an example stream module with its test and schema, an alert rule, a dashboard, docker-compose.yml')
    .argument('<dir>', 'folder of the new project, created if missing; its name is the package name unless --name gives one')
    .option('--name <name>', 'package name, kebab-case (default: the folder name)')
    .option('--force', 'overwrite files that exist (without it, nothing is written when any does)', false)
    .option('--fastdata <source>', 'where the project gets fastdata: registry (npm), pack (this fastdata, packed into vendor/; the default while fastdata is not on npm), link (this fastdata\'s folder, for working on fastdata) or the path of a .tgz')
    .action((dir: string, options: InitOptions) => init(dir, options));
}
