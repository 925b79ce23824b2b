/**
 * What the HTTP API says about the machine's folders: `/api/status` is read by any `read`
 * token, and the absolute paths of the project and the data dir in its texts (the summary,
 * a module's error, a file that did not load) tell a holder about the machine, not the
 * project. They are answered relative: the project root as `.`, the data dir as `<dataDir>`.
 * The terminal of the process keeps the absolute paths: its reader runs the machine.
 */
import { sep } from 'node:path';

export interface PathNames {
  root: string;
  dataDir: string;
}

/** `value` with every string's absolute root and data dir written relative; other values as they are. */
export function withPublicPaths<T>(value: T, names: PathNames): T {
  // The longer first, so that a data dir inside the project is `<dataDir>`, not `./.fastdata`.
  const places = [
    { path: names.dataDir, as: '<dataDir>' },
    { path: names.root, as: '.' },
  ].sort((a, b) => b.path.length - a.path.length);
  const rewrite = (text: string) => places.reduce((out, { path, as }) => out.split(path + sep).join(as + '/').split(path).join(as), text);
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return rewrite(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}
