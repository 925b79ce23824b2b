/**
 * The package.json of a new project. Built in code rather than templated: the versions
 * come from this fastdata's own package.json, so a project starts on the fastdata that
 * made it and on the rxjs, tsx and TypeScript that fastdata is built and tested with.
 */
import { readFileSync } from 'node:fs';

interface FastdataPackage {
  version: string;
  engines?: { node?: string };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}

const own = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as FastdataPackage;

function range(name: string): string {
  const found = own.dependencies[name] ?? own.devDependencies[name];
  if (!found) throw new Error(`fastdata's package.json does not list ${name}`);
  return found;
}

/** `fastdataSpec`: the version spec of the fastdata dependency (fastdata-dependency.ts). */
export function projectPackageJson(name: string, fastdataSpec: string): string {
  const pkg = {
    name,
    version: '0.1.0',
    private: true,
    type: 'module',
    engines: { node: own.engines?.node ?? '>=20.19' },
    scripts: {
      start: 'fastdata dev',
      // node's own test runner, with tsx for TypeScript: no test framework to install.
      test: 'node --import tsx --test streams/*.test.ts && fastdata alerts test',
      typecheck: 'tsc --noEmit',
    },
    dependencies: {
      fastdata: fastdataSpec,
      // Modules import rxjs operators; the same range as fastdata's keeps one copy installed.
      rxjs: range('rxjs'),
    },
    devDependencies: {
      '@types/node': range('@types/node'),
      tsx: range('tsx'),
      typescript: range('typescript'),
    },
  };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}
