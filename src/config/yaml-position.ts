/**
 * Lines of fields in a YAML text, for problems found after the shape check (a field that
 * is not in the topic's schema, in a dashboard or an alert rule; an unset environment
 * variable in a receiver): validated-file locates Ajv's errors itself, but these checks
 * need the source ranges of the `yaml` package directly.
 */
import { LineCounter, isMap, isPair, isScalar, parseDocument } from 'yaml';

export type Locate = (path: (string | number)[], options?: { key?: boolean }) => { line?: number; column?: number };

/**
 * A function from a path (`['panels', 1, 'fields', 0]`) to where its value starts (or,
 * with `key`, where its key starts); the nearest parent that exists otherwise.
 */
export function yamlLocator(text: string): Locate {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, keepSourceTokens: false });
  const at = (offset: number) => {
    const pos = lines.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
  return (path, options = {}) => {
    if (options.key && path.length > 0) {
      const parent = path.length > 1 ? doc.getIn(path.slice(0, -1), true) : doc.contents;
      if (isMap(parent)) {
        const pair = parent.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === path[path.length - 1]);
        const range = pair && isScalar(pair.key) ? pair.key.range : undefined;
        if (range) return at(range[0]);
      }
    }
    for (let depth = path.length; depth >= 0; depth--) {
      const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
      const range = node && typeof node === 'object' && 'range' in node ? (node.range as [number, number, number] | undefined) : undefined;
      if (range) return at(range[0]);
    }
    return {};
  };
}
