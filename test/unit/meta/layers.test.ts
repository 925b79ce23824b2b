/**
 * The layers of src/, bottom up, and the rule that no import runs back up: a folder imports
 * only from folders of lower layers (and from itself). A new import that breaks it fails
 * here, naming the file and the import, as the error-code test guards docs/errors.md.
 * DESIGN.md ("Source layout") draws the same picture.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));

/** Each folder of src/ (and the root files) with its layer; lower layers never import higher ones. */
const LAYERS: Record<string, number> = {
  'errors.ts': -1,
  time: 0,
  fs: 0,
  config: 0,
  log: 1,
  schema: 1,
  metrics: 1,
  stream: 2,
  models: 3,
  testing: 3,
  alerts: 4,
  sinks: 4,
  sources: 4,
  catalog: 4,
  serve: 5,
  app: 6,
  tools: 7,
  generator: 7,
  cli: 8,
  // The package's public face (`fastdata`): re-exports for model authors, of the stream API and the models.
  'index.ts': 4,
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g;

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT)].map((m) => m[1] ?? m[2]!).filter((spec) => spec.startsWith('.'));
}

const partOf = (file: string) => relative(SRC, file).replace(/\.js$/, '.ts').split(/[\\/]/)[0]!;

describe('layers of src/', () => {
  const files = sourceFiles(SRC);

  it('gives every folder of src/ a layer', () => {
    const parts = new Set(files.map(partOf));
    expect([...parts].filter((p) => LAYERS[p] === undefined)).toEqual([]);
  });

  it('has no import that runs back up, or sideways into another part of the same layer', () => {
    const violations: string[] = [];
    for (const file of files) {
      const from = partOf(file);
      for (const spec of importsOf(file)) {
        const target = partOf(resolve(dirname(file), spec));
        if (target === from) continue;
        if (!(LAYERS[target]! < LAYERS[from]!)) {
          violations.push(`${relative(SRC, file)} imports ${spec} (${from}, layer ${LAYERS[from]}, -> ${target}, layer ${LAYERS[target]})`);
        }
      }
    }
    expect(violations).toEqual([]);
  });
});
