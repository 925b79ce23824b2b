/**
 * The bar above the panels: a time-range picker (quick relative ranges, or from/to) and a
 * key selector per variable (one key, or several with checkboxes and a filter), each
 * filled from its topic's keys. It only reports changes; the page redraws the panels and
 * writes the address.
 */
import { getKeys } from './api.js';
import { el, formatDateTime } from './format.js';
import { MAX_VARIABLE_KEYS, type VariableDef } from '../src/serve/dashboards/definition.js';
import { QUICK_RANGES, durationText, parsePoint, type TimeRange } from './view-state.js';

export interface ControlEvents {
  range(range: TimeRange): void;
  variable(name: string, keys: string[]): void;
}

/** `YYYY-MM-DDTHH:MM` in local time, what a datetime-local input holds. */
function localInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

export function describeRange(range: TimeRange): string {
  if (range.kind === 'relative') return QUICK_RANGES.find((q) => q.ms === range.lastMs)?.label ?? `Last ${durationText(range.lastMs)}`;
  return `${formatDateTime(range.from)} to ${range.to === null ? 'now' : formatDateTime(range.to)}`;
}

/** The time-range picker: a quick-range menu, and from/to fields (a date-time, 'now', or '-2h'). */
export function rangePicker(initial: TimeRange, onChange: (range: TimeRange) => void): { element: HTMLElement; set(range: TimeRange): void } {
  const element = el('div', 'range-picker');
  const quick = el('select', 'range-quick');
  quick.setAttribute('aria-label', 'time range');
  const custom = el('option', '', 'Custom range');
  custom.value = 'custom';
  quick.append(...QUICK_RANGES.map((q) => Object.assign(el('option', '', q.label), { value: String(q.ms) })), custom);
  const from = el('input', 'range-from');
  const to = el('input', 'range-to');
  from.placeholder = 'from: 2026-01-01 10:00, -2h';
  to.placeholder = 'to: now';
  from.setAttribute('aria-label', 'from');
  to.setAttribute('aria-label', 'to');
  const apply = el('button', 'range-apply', 'Apply');
  apply.type = 'button';
  const problem = el('span', 'range-problem');
  const fields = el('span', 'range-fields');
  fields.append(from, el('span', '', '–'), to, apply, problem);
  element.append(quick, fields);

  const set = (range: TimeRange) => {
    const known = range.kind === 'relative' && QUICK_RANGES.some((q) => q.ms === range.lastMs);
    if (range.kind === 'relative' && !known) {
      const extra = el('option', '', describeRange(range));
      extra.value = String(range.lastMs);
      quick.insertBefore(extra, custom);
    }
    quick.value = range.kind === 'relative' ? String(range.lastMs) : 'custom';
    element.dataset.range = range.kind === 'relative' ? `last ${durationText(range.lastMs)}` : `${range.from}..${range.to ?? 'now'}`;
    from.value = range.kind === 'relative' ? `-${durationText(range.lastMs)}` : localInput(range.from).replace('T', ' ');
    to.value = range.kind === 'absolute' && range.to !== null ? localInput(range.to).replace('T', ' ') : 'now';
    problem.textContent = '';
  };
  quick.onchange = () => {
    if (quick.value === 'custom') return from.focus();
    onChange({ kind: 'relative', lastMs: Number(quick.value) });
  };
  const submit = () => {
    const now = Date.now();
    const start = parsePoint(from.value.replace(' ', 'T'), now);
    const end = parsePoint(to.value.replace(' ', 'T'), now) ?? 'now';
    if (typeof start !== 'number') return (problem.textContent = 'from: give a date and time (2026-01-01 10:00) or -2h');
    if (end !== 'now' && end <= start) return (problem.textContent = 'to must be after from');
    onChange({ kind: 'absolute', from: start, to: end === 'now' ? null : end });
  };
  apply.onclick = submit;
  for (const input of [from, to]) input.onkeydown = (e) => (e.key === 'Enter' ? submit() : undefined);
  set(initial);
  return { element, set };
}

/** A key selector filled from the variable's topic; the selection starts as `selected`. */
export function variableSelector(def: VariableDef, selected: string[], onChange: (keys: string[]) => void): { element: HTMLElement; set(keys: string[]): void; ready: Promise<string[]> } {
  const element = el('div', 'variable');
  element.dataset.variable = def.name;
  const label = el('label', 'variable-label', def.label);
  element.append(label);
  let current = [...selected];
  let options: string[] = [];

  const single = el('select', 'variable-select');
  const multi = el('details', 'variable-multi');
  const summary = el('summary');
  const filter = el('input', 'variable-filter');
  filter.placeholder = 'filter keys';
  const list = el('div', 'variable-options');
  multi.append(summary, filter, list);
  element.append(def.multi ? multi : single);
  single.setAttribute('aria-label', def.label);

  const draw = () => {
    const all = [...new Set([...current, ...options])].sort();
    summary.textContent = current.length ? current.join(', ') : 'none';
    if (!def.multi) {
      single.replaceChildren(...all.map((key) => Object.assign(el('option', '', key), { value: key, selected: current.includes(key) })));
      return;
    }
    const needle = filter.value.toLowerCase();
    list.replaceChildren(
      ...all
        .filter((key) => key.toLowerCase().includes(needle))
        .map((key) => {
          const row = el('label', 'variable-option');
          const box = el('input');
          box.type = 'checkbox';
          box.value = key;
          box.checked = current.includes(key);
          box.onchange = () => {
            current = box.checked ? [...current, key] : current.filter((k) => k !== key);
            summary.textContent = current.length ? current.join(', ') : 'none';
            onChange([...current]);
          };
          row.append(box, document.createTextNode(key));
          return row;
        }),
    );
  };
  single.onchange = () => {
    current = [single.value];
    onChange([...current]);
  };
  filter.oninput = draw;

  const ready = getKeys(def.topic, MAX_VARIABLE_KEYS)
    .then(({ keys, total }) => {
      options = keys;
      if (total > keys.length) element.title = `the first ${keys.length} of ${total} keys`;
      return keys;
    })
    .catch((error: Error) => {
      element.title = `cannot list the keys of ${def.topic}: ${error.message}`;
      element.dataset.problem = 'true';
      return [] as string[];
    })
    .finally(draw);
  draw();
  return {
    element,
    ready,
    set(keys) {
      current = [...keys];
      draw();
    },
  };
}
