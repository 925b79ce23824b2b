/**
 * Bounds on a dashboard file, checked on its text before the YAML parser sees it.
 *
 * The `yaml` package parses recursively: a file nested 20,000 levels deep (`[[[[...`, or
 * `- - - - ...`) took 0.75 s to fail with "Maximum call stack size exceeded", and the
 * dashboards are read on every request. One linear pass over the text finds how deep it
 * nests, so such a file is one problem of its own, with its line and column, in
 * microseconds. (Alias bombs are refused by validated-file's alias cap.)
 *
 * The scan is deliberately simple and errs on the side of the file: flow nesting counts
 * brackets outside quotes and comments; block nesting is the column where a line's content
 * starts, after its indentation and any `- ` / `? ` indicators. Hand-written dashboards
 * stay far below both limits (the demo's deepest line: column 7, two levels of brackets).
 */

export interface YamlBoundsProblem {
  line: number;
  column: number;
  message: string;
}

/** Largest dashboard file, in bytes: the demo's is 1.5 KiB. */
export const MAX_DASHBOARD_BYTES = 256 * 1024;
/** Most levels of flow collections (`[` and `{`) open at once. */
export const MAX_FLOW_DEPTH = 64;
/** Furthest column where a line's content may start (indentation and block indicators). */
export const MAX_BLOCK_COLUMN = 256;

/** The first place where `text` nests beyond the limits, if any. */
export function yamlNestingProblem(text: string): YamlBoundsProblem | undefined {
  let line = 1;
  let i = 0;
  let depth = 0;
  const n = text.length;
  while (i < n) {
    const lineStart = i;
    // Block nesting: indentation, then `- ` and `? ` indicators (a compact nested sequence).
    let column = 0;
    for (;;) {
      const c = text[i];
      if (c === ' ') {
        column++;
        i++;
      } else if ((c === '-' || c === '?') && (text[i + 1] === ' ' || text[i + 1] === '\t')) {
        column += 2;
        i += 2;
      } else break;
      if (column > MAX_BLOCK_COLUMN) {
        return { line, column: column + 1, message: `nested deeper than column ${MAX_BLOCK_COLUMN} (indentation and "- " indicators; the limit for a dashboard file); a dashboard needs a few levels: flatten the file` };
      }
    }
    // Flow nesting, skipping quoted text and comments; a quote only opens a scalar where one may start.
    let quote: string | undefined;
    let previous = i === lineStart ? ' ' : text[i - 1]!;
    for (; i < n && text[i] !== '\n'; i++) {
      const c = text[i]!;
      if (quote !== undefined) {
        if (c === '\\' && quote === '"') i++;
        else if (c === quote) quote = undefined;
      } else if (c === '#' && (previous === ' ' || previous === '\t')) {
        while (i < n && text[i] !== '\n') i++;
        break;
      } else if ((c === '"' || c === "'") && ' \t[{,:'.includes(previous)) {
        quote = c;
      } else if (c === '[' || c === '{') {
        if (++depth > MAX_FLOW_DEPTH) {
          return { line, column: i - lineStart + 1, message: `nested more than ${MAX_FLOW_DEPTH} levels deep in [ ] and { } (the limit for a dashboard file); a dashboard needs a few levels: flatten the file` };
        }
      } else if ((c === ']' || c === '}') && depth > 0) {
        depth--;
      }
      previous = c;
    }
    i++;
    line++;
  }
  return undefined;
}
