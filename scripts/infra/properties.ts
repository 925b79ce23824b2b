/**
 * Java `.properties` files as Kafka reads them: one `key=value` per line, no trailing
 * comments (a `#` after a value is part of the value), so values are checked, not escaped.
 */
export type PropertyValue = string | number | boolean;

export function renderProperties(properties: Readonly<Record<string, PropertyValue>>, header?: string): string {
  const lines = header ? header.split('\n').map((line) => `# ${line}`) : [];
  for (const [key, raw] of Object.entries(properties)) {
    const value = String(raw);
    if (!/^[A-Za-z0-9_.\-]+$/.test(key)) throw new Error(`property name ${JSON.stringify(key)} has characters a .properties file would misread`);
    if (/[\r\n\\]/.test(value) || value !== value.trim()) throw new Error(`property ${key}: value ${JSON.stringify(value)} has a line break, a backslash or surrounding spaces`);
    lines.push(`${key}=${value}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Parses `key=value` lines (comments and blank lines skipped); enough for the files above. */
export function parseProperties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith('!')) continue;
    const eq = trimmed.indexOf('=');
    if (eq < 0) continue;
    out[trimmed.slice(0, eq).trim()] = trimmed.slice(eq + 1).trim();
  }
  return out;
}
