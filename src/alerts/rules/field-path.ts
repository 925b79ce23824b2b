/**
 * Reading a dotted field path (`location.lat`) from a decoded record. Nested records
 * decode to plain objects (a `["null", record]` union to the record or null), so a path
 * is a walk through own properties; a missing step reads as null, as the schema's nulls do.
 */
export function fieldGetter(path: string): (value: unknown) => unknown {
  const steps = path.split('.');
  return (value) => {
    let current = value;
    for (const step of steps) {
      if (current === null || typeof current !== 'object' || !Object.hasOwn(current, step)) return null;
      current = (current as Record<string, unknown>)[step];
    }
    return current === undefined ? null : current;
  };
}
