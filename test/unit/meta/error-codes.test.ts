import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../../src/errors.js';

describe('error codes', () => {
  const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  const rows = new Map(
    doc
      .split('\n')
      .filter((line) => line.startsWith('| `FD_'))
      .map((line) => {
        const [, code, domain] = line.split('|').map((cell) => cell.trim());
        return [code!.replaceAll('`', ''), domain!];
      }),
  );

  it('documents every code with its domain, and nothing that is not a code', () => {
    for (const [code, { domain }] of Object.entries(ERROR_CODES)) {
      expect(rows.has(code), `${code} is not in docs/errors.md`).toBe(true);
      expect(rows.get(code), `${code}'s domain in docs/errors.md`).toBe(domain);
    }
    expect([...rows.keys()].filter((code) => !(code in ERROR_CODES))).toEqual([]);
  });
});
