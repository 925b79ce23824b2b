/**
 * Type-checks a few TypeScript files in a temporary project with the TypeScript compiler
 * API, the way a model author's project compiles: strict, NodeNext modules, `fastdata`
 * resolved to this repository's sources and other packages (rxjs) to its node_modules.
 */
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/** The diagnostics of compiling `files` (path relative to `dir` → text), one message per line. */
export async function typecheck(dir: string, files: Record<string, string>): Promise<string[]> {
  await writeFile(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  await symlink(join(REPO, 'node_modules'), join(dir, 'node_modules'), 'dir').catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: ['node'],
    typeRoots: [join(REPO, 'node_modules/@types')],
    paths: { fastdata: [join(REPO, 'src/index.ts')] },
    allowImportingTsExtensions: false,
  };
  const program = ts.createProgram(Object.keys(files).map((path) => join(dir, path)), options);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (d.file === undefined || d.start === undefined) return text;
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${d.file.fileName.slice(dir.length + 1)}:${line + 1}: ${text}`;
  });
}

/** A JS value as TypeScript source (Buffers as Buffer.from([...])), for fixtures that must compile. */
export function tsLiteral(value: unknown): string {
  if (Buffer.isBuffer(value)) return `Buffer.from([${[...value].join(', ')}])`;
  if (Array.isArray(value)) return `[${value.map(tsLiteral).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{ ${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${tsLiteral(v)}`).join(', ')} }`;
  }
  return JSON.stringify(value);
}
