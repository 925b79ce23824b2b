/**
 * The type check of a hot reload: before `fastdata dev` replaces a running module with the
 * version just saved, the saved file and the project files it imports (helpers, the types
 * generated from schemas) are type-checked with the project's own TypeScript and its
 * tsconfig.json. A type error stops the reload as a syntax error does: a typo such as
 * `r.humidty` would otherwise load (tsx strips types, it does not check them) and compute
 * NaN for every window.
 *
 * Incremental: one TypeScript LanguageService, made at the first reload and kept in the
 * process; a later check re-reads only files whose modification time or size changed and
 * re-checks only the files of that module, so a reload stays well under a second (the
 * first one also loads TypeScript and parses the libraries: about two seconds).
 *
 * Only errors in the saved module and the project files it imports count: a broken file
 * elsewhere (another module, a test) does not block the reload. Declaration files (.d.ts,
 * also a linked package's) and node_modules are not checked, as skipLibCheck would not.
 *
 * TypeScript is the project's, loaded from the project root (fastdata's generated
 * package.json lists it as a devDependency): with none installed, or no tsconfig.json,
 * reloads are not type-checked, and `unavailable` says why.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type * as TS from 'typescript';
import { isStreamFileName } from '../../stream/module-loader.js';

/** One TypeScript error, where it is (1-based line and column, the file relative to the project root). */
export interface TypeProblem {
  file: string;
  line: number;
  column: number;
  /** TypeScript's code (2551 for "Property 'x' does not exist ... Did you mean 'y'?"). */
  code: number;
  message: string;
}

export type TypeCheckOutcome =
  /** `files`: how many files' errors counted (the module and the project files it imports). */
  | { checked: true; problems: TypeProblem[]; files: number }
  /** Why reloads are not type-checked in this project. */
  | { checked: false; reason: string };

type TypeScript = typeof TS;

interface Service {
  ts: TypeScript;
  languageService: TS.LanguageService;
  options: TS.CompilerOptions;
  cache: TS.ModuleResolutionCache;
}

export class ModuleTypeChecker {
  private readonly root: string;
  private readonly streamsDir: string;
  /** Made at the first check; a string says why there is none. */
  private service: Service | string | undefined;

  constructor(root: string, streamsDir: string) {
    this.root = resolve(root);
    this.streamsDir = resolve(streamsDir);
  }

  /** Why reloads are not type-checked (no TypeScript, no tsconfig.json), once a check has tried. */
  get unavailable(): string | undefined {
    return typeof this.service === 'string' ? this.service : undefined;
  }

  /** The type errors of `file` and of the project files it imports, in that order. */
  check(file: string): TypeCheckOutcome {
    const service = (this.service ??= this.createService());
    if (typeof service === 'string') return { checked: false, reason: service };
    const { ts, languageService } = service;
    const program = languageService.getProgram();
    const source = program?.getSourceFile(resolve(file));
    if (!program || !source) return { checked: true, problems: [], files: 0 };
    const files = this.closure(service, program, source);
    const problems: TypeProblem[] = [];
    for (const f of files) {
      const diagnostics = [...languageService.getSyntacticDiagnostics(f.fileName), ...languageService.getSemanticDiagnostics(f.fileName)];
      for (const d of diagnostics) if (d.category === ts.DiagnosticCategory.Error) problems.push(this.problem(ts, d, f));
    }
    return { checked: true, problems, files: files.length };
  }

  private problem(ts: TypeScript, d: TS.Diagnostic, fallback: TS.SourceFile): TypeProblem {
    const file = d.file ?? fallback;
    const { line, character } = ts.getLineAndCharacterOfPosition(file, d.start ?? 0);
    return { file: relative(this.root, file.fileName), line: line + 1, column: character + 1, code: d.code, message: ts.flattenDiagnosticMessageText(d.messageText, ' ') };
  }

  /** `start` and the project's own source files it reaches through its imports, `start` first. */
  private closure({ ts, options, cache }: Service, program: TS.Program, start: TS.SourceFile): TS.SourceFile[] {
    const seen = new Map<string, TS.SourceFile>([[start.fileName, start]]);
    const queue = [start];
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      for (const specifier of moduleSpecifiers(ts, next)) {
        const mode = program.getModeForUsageLocation(next, specifier);
        const resolved = ts.resolveModuleName(specifier.text, next.fileName, options, ts.sys, cache, undefined, mode).resolvedModule;
        if (!resolved || resolved.isExternalLibraryImport) continue;
        const target = program.getSourceFile(resolved.resolvedFileName);
        if (!target || target.isDeclarationFile || seen.has(target.fileName) || !this.isProjectFile(target.fileName)) continue;
        seen.set(target.fileName, target);
        queue.push(target);
      }
    }
    return [...seen.values()];
  }

  private isProjectFile(file: string): boolean {
    const path = relative(this.root, file);
    return path !== '' && !path.startsWith('..') && !isAbsolute(path) && !path.split(/[\\/]/).includes('node_modules');
  }

  private createService(): Service | string {
    const configFile = join(this.root, 'tsconfig.json');
    if (!existsSync(configFile)) return `the project has no tsconfig.json (fastdata init writes one)`;
    let ts: TypeScript;
    try {
      ts = createRequire(join(this.root, 'package.json'))('typescript') as TypeScript;
    } catch {
      return `the project has no typescript package installed (npm install --save-dev typescript)`;
    }
    const read = ts.readConfigFile(configFile, ts.sys.readFile);
    if (read.error) return `tsconfig.json does not parse: ${ts.flattenDiagnosticMessageText(read.error.messageText, ' ')}`;
    // Only its compiler options count: the files checked are the modules and what they import.
    const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, this.root, undefined, configFile);
    const options: TS.CompilerOptions = { ...parsed.options, noEmit: true };
    const cache = ts.createModuleResolutionCache(this.root, (name) => (ts.sys.useCaseSensitiveFileNames ? name : name.toLowerCase()), options);
    const host: TS.LanguageServiceHost = {
      getCompilationSettings: () => options,
      // Every module of the streams folder, read afresh: a module added since is checked too.
      getScriptFileNames: () => this.moduleFiles(),
      // A file is read again only when its modification time or size changed.
      getScriptVersion: (name) => fileVersion(name),
      getScriptSnapshot: (name) => {
        const text = readText(name);
        return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
      },
      getCurrentDirectory: () => this.root,
      getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
      fileExists: ts.sys.fileExists,
      readFile: ts.sys.readFile,
      readDirectory: ts.sys.readDirectory,
      directoryExists: ts.sys.directoryExists,
      getDirectories: ts.sys.getDirectories,
      realpath: ts.sys.realpath,
      useCaseSensitiveFileNames: () => ts.sys.useCaseSensitiveFileNames,
    };
    return { ts, languageService: ts.createLanguageService(host, ts.createDocumentRegistry()), options, cache };
  }

  private moduleFiles(): string[] {
    try {
      return readdirSync(this.streamsDir)
        .filter(isStreamFileName)
        .map((name) => join(this.streamsDir, name));
    } catch {
      return [];
    }
  }
}

/** The string literals of a file's imports and re-exports (static and dynamic). */
function moduleSpecifiers(ts: TypeScript, file: TS.SourceFile): TS.StringLiteral[] {
  const found: TS.StringLiteral[] = [];
  const visit = (node: TS.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push(node.moduleSpecifier);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      found.push(node.arguments[0]);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

function fileVersion(name: string): string {
  try {
    const stat = statSync(name);
    return `${stat.mtimeMs}:${stat.size}`;
  } catch {
    return 'missing';
  }
}

function readText(name: string): string | undefined {
  try {
    return readFileSync(name, 'utf8');
  } catch {
    return undefined;
  }
}

/** The problems as the terminal and the status page show them: one per line, file:line:col first, at most `limit`. */
export function describeTypeProblems(problems: readonly TypeProblem[], limit = 10): string {
  const lines = problems.slice(0, limit).map((p) => `${p.file}:${p.line}:${p.column} error TS${p.code}: ${p.message}`);
  if (problems.length > limit) lines.push(`… and ${problems.length - limit} more (npx tsc --noEmit lists them all)`);
  return lines.join('\n  ');
}
