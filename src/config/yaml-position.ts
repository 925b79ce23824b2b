/**
 * Lines of fields in a YAML text, for problems found after the shape check (a field that
 * is not in the topic's schema, in a dashboard or an alert rule): validated-file locates
 * Ajv's errors itself, but these checks need the source ranges of the `yaml` package directly.
 */
import { LineCounter, parseDocument } from 'yaml';

export type Locate = (path: (string | number)[]) => { line?: number; column?: number };

/** A function from a path (`['panels', 1, 'fields', 0]`) to where its value starts; the nearest parent that exists otherwise. */
export function yamlLocator(text: string): Locate {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, keepSourceTokens: false });
  return (path) => {
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
