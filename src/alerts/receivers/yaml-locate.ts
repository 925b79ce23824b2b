/**
 * Lines of fields in a YAML text, for problems found after the shape check (an unset
 * environment variable, a bad URL): validated-file locates Ajv's errors itself, these
 * checks need the source positions directly.
 */
import { LineCounter, isMap, isPair, isScalar, parseDocument } from 'yaml';

export type Locate = (path: string[], options?: { key?: boolean }) => { line?: number; column?: number };

/** Where a path's value starts (or, with `key`, its key); the nearest parent that exists otherwise. */
export function yamlLocator(text: string): Locate {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  return (path, options = {}) => {
    if (options.key && path.length > 0) {
      const parent = path.length > 1 ? doc.getIn(path.slice(0, -1), true) : doc.contents;
      if (isMap(parent)) {
        const pair = parent.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === path[path.length - 1]);
        const range = pair && isScalar(pair.key) ? pair.key.range : undefined;
        if (range) {
          const pos = lines.linePos(range[0]);
          return { line: pos.line, column: pos.col };
        }
      }
    }
    for (let depth = path.length; depth >= 0; depth--) {
      const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
      const range = node && typeof node === 'object' && 'range' in node ? (node.range as [number, number, number] | undefined) : undefined;
      if (range) {
        const pos = lines.linePos(range[0]);
        return { line: pos.line, column: pos.col };
      }
    }
    return {};
  };
}
