/**
 * The record path of a windowed operator fused with the keyBy and the fixed window
 * (tumbling or hopping) before it, the usual pipeline: one function, generated per
 * operator with `new Function` as avsc generates its readers, that takes a decoded record
 * to its windows' accumulators. Key, ownership, window bounds, lateness, the operator's
 * field reads and its accumulator updates are statements of that one function, so a
 * record crosses no subscriber and no closure, and the values it reads stay local
 * variables (a value kept between two closures would be a heap number per field per record).
 *
 * Only fastdata's text goes into the generated code: the window's numbers, the names in
 * the operator's scope (checked to be identifiers) and the operator's statements. The
 * model author's functions (key, fields, reducers) are values it calls.
 */
import { FastdataError } from '../../errors.js';
import type { KeyByRoute } from './key-by.js';
import type { Keyed } from './keyed.js';
import type { WindowSpec } from './window-spec.js';
import type { WindowState, WindowStore } from './window-store.js';
import type { WindowLogic } from './windowed-state.js';

/**
 * An operator's per-record work as code (aggregate's: one statement per aggregator, so that
 * each call site sees one aggregator, which V8 inlines).
 */
export interface RecordCode {
  /** Values the statements refer to, by name. */
  readonly scope: Readonly<Record<string, unknown>>;
  /** Declarations of the per-record variables that `read` sets and `add` uses. */
  readonly locals: string;
  /** Runs the record's (`value`'s) user code that does not depend on a window, once per record; throws if that does. */
  readonly read: string;
  /** Adds the record (`value`) to window `w`; may set `step` (the part adding, for the message) and throws if user code does. */
  readonly add: string;
  /** The dead letter's message for a record whose `read` (step -1) or `add` (at `step`) threw `error`. */
  failure(value: unknown, error: unknown, step: number): string;
}

/** What an operator without code of its own throws when its logic refuses a record (the logic then says why). */
const REFUSED = Symbol('refused');

/** The code of an operator that has only its `WindowLogic` (reduce, collect, topK): calls to it. */
export function codeOfLogic<T, A, R>(logic: WindowLogic<T, A, R>): RecordCode {
  return {
    scope: { logic, REFUSED },
    locals: '',
    read: 'if (!logic.read(value)) throw REFUSED;',
    add: 'if (!logic.add(w, value)) throw REFUSED;',
    failure: (value) => logic.failure(value as T),
  };
}

/** The `read`, `add` and `failure` of a `WindowLogic` made of `code`, for the paths that are not fused (sessions, sliding windows, windows that come as records). */
export function compileLogicSteps<T, A>(code: RecordCode): Pick<WindowLogic<T, A, unknown>, 'read' | 'add' | 'failure'> {
  const body = `
    ${scopeDeclarations(code.scope)}
    ${code.locals}
    let step = -1;
    let error;
    return {
      read(value) {
        step = -1;
        try { ${code.read} return true; } catch (e) { error = e; return false; }
      },
      add(w, value) {
        step = -1;
        try { ${code.add} return true; } catch (e) { error = e; return false; }
      },
      failure: (value) => failure(value, error, step),
    };`;
  return new Function('scope', 'failure', body)(code.scope, code.failure.bind(code)) as Pick<WindowLogic<T, A, unknown>, 'read' | 'add' | 'failure'>;
}

/** What the generated path calls out to: the rare branches, kept out of line. */
export interface WindowPathParts<T, A> {
  route: KeyByRoute<T>;
  /** A tumbling or hopping window. */
  window: WindowSpec;
  store: WindowStore<A>;
  code: RecordCode;
  /** Opens the window [start, end) of `key` and schedules its close. */
  open(key: string, start: number, end: number): WindowState<A>;
  /** A window changed under `emit: 'update'` (emits it, now or at its next update). */
  changed(w: WindowState<A>): void;
  /** A record at `time` whose windows have all closed at `watermark`. */
  late(time: number, watermark: number): void;
  /** A record the operator's user code threw on: dead-lettered with `message`. */
  failed(message: string): void;
  /** A record whose key function threw (`threw`, the error) or returned something else than a string or a finite number. */
  invalidKey(errorOrKey: unknown, threw: boolean): void;
}

/** The fused path: `next` takes the keyBy's input records, `arrive` the records other tasks send it (their key known). */
export interface WindowPath<T> {
  next(value: T): void;
  arrive(record: Keyed<T>): void;
}

/** Builds the fused path of an operator over fixed windows; see the file comment. */
export function compileWindowPath<T, A>(parts: WindowPathParts<T, A>): WindowPath<T> {
  const { window, code } = parts;
  if (window.kind !== 'tumbling' && window.kind !== 'hopping') throw new TypeError(`compileWindowPath: fixed windows only, got ${window.kind}`);
  const size = literal(window.size);
  const advance = literal(window.advance);
  const grace = literal(window.grace);
  // The record at event time `t`, of `key`, into every window of it still open (a tumbling
  // window's loop runs once). The same statements for a record of the input and one that
  // another task sent, so that each is one function with nothing to call on the way.
  const addRecord = `
    ${code.locals}
    const watermark = ctx.watermark;
    let accepted = false;
    let step = -1;
    let windows = byKey.get(key);
    let r = t % ${advance};
    if (r < 0) r = (r + ${advance}) % ${advance};
    for (let start = t - r; start > t - ${size}; start -= ${advance}) {
      const end = start + ${size};
      if (end + ${grace} <= watermark) continue; // this window has closed
      if (!accepted) {
        accepted = true;
        try { ${code.read} } catch (e) { failed(failure(value, e, -1)); return; }
      }
      let w;
      if (windows !== undefined) for (let i = 0; i < windows.length; i++) if (windows[i].start === start) { w = windows[i]; break; }
      if (w === undefined) { w = open(key, start, end); windows = byKey.get(key); }
      try { ${code.add} } catch (e) { failed(failure(value, e, step)); return; }
      ${window.emit === 'update' ? 'changed(w);' : 'if (!w.changed) store.touch(w);'}
    }
    if (!accepted) late(t, watermark);`;
  const body = `
    ${scopeDeclarations(code.scope)}
    const { ctx, keyOf, owns } = route;
    const byKey = store.byKey;
    return {
      next(value) {
        let key;
        try { key = keyOf(value); } catch (e) { invalidKey(e, true); return; }
        if (typeof key !== 'string') {
          if (typeof key === 'number' && key - key === 0) key = String(key);
          else { invalidKey(key, false); return; }
        }
        ${parts.route.routed ? 'if (!owns(key, value)) return;' : ''}
        const t = ctx.eventTime;
        ${addRecord}
      },
      arrive(record) {
        const key = record.key;
        const value = record.value;
        const t = record.time;
        ${addRecord}
      },
    };`;
  const compile = new Function('scope', 'route', 'store', 'open', 'changed', 'late', 'failed', 'failure', 'invalidKey', body);
  return compile(
    code.scope,
    parts.route,
    parts.store,
    parts.open,
    parts.changed,
    parts.late,
    parts.failed,
    code.failure.bind(code),
    parts.invalidKey,
  ) as WindowPath<T>;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `const name = scope["name"];` for each name of the operator's scope. */
function scopeDeclarations(scope: Readonly<Record<string, unknown>>): string {
  return Object.keys(scope)
    .map((name) => {
      if (!IDENTIFIER.test(name)) throw new FastdataError('FD_INTERNAL', `generated record path: scope name ${JSON.stringify(name)} is not an identifier`);
      return `const ${name} = scope[${JSON.stringify(name)}];`;
    })
    .join('\n');
}

/** A window's number as code (a finite number, as window specs hold). */
function literal(n: number): string {
  if (!Number.isFinite(n)) throw new FastdataError('FD_INTERNAL', `generated record path: window number ${n} is not finite`);
  return String(n);
}
