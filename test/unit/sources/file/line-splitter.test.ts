import { describe, expect, it } from 'vitest';
import { LineSplitter, MAX_RECORD_LINES } from '../../../../src/sources/file/line-splitter.js';

const CSV = { delimiter: ',', quote: '"' };

/** The units of `text` pushed in pieces of `size` bytes, then ended. */
function cut(text: string, size: number, format: 'csv' | 'jsonl' = 'csv'): { text: string; line: number; problem?: string }[] {
  const splitter = new LineSplitter(format === 'csv' ? CSV : undefined);
  const bytes = Buffer.from(text);
  const units: { text: string; line: number; problem?: string }[] = [];
  const drain = (final: boolean) => {
    for (let unit = splitter.next(final); unit; unit = splitter.next(final)) {
      units.push({ text: unit.bytes.toString(), line: unit.line, ...(unit.problem ? { problem: unit.problem } : {}) });
    }
  };
  for (let i = 0; i < bytes.length; i += size) {
    splitter.push(bytes.subarray(i, i + size));
    drain(false);
  }
  drain(true);
  return units;
}

describe('LineSplitter', () => {
  const text = 'a,b\r\n\r\n  \n1,"x\r\ny",2\n3,"q""r",4\n5,ab"c,6\n7,"s"t,8\n9,"open,10\n11,12\n13,"ok",14\nlast,no-newline';

  it('cuts the same units whatever the chunk boundaries, CSV records over quoted line breaks, bad quotes one line each', () => {
    const expected = [
      { text: 'a,b', line: 1 },
      { text: '1,"x\r\ny",2', line: 4 },
      { text: '3,"q""r",4', line: 6 },
      { text: '5,ab"c,6', line: 7, problem: expect.stringMatching(/^line 7: a quote inside an unquoted cell \(cell 2\)/) as unknown as string },
      { text: '7,"s"t,8', line: 8, problem: expect.stringMatching(/^line 8: text after the closing quote of cell 2/) as unknown as string },
      { text: '9,"open,10', line: 9, problem: expect.stringMatching(/^line 9: a quote opens a cell and does not close before line 11/) as unknown as string },
      { text: '11,12', line: 10 },
      { text: '13,"ok",14', line: 11 },
      { text: 'last,no-newline', line: 12 },
    ];
    for (const size of [1, 2, 3, 7, 64, 4096]) expect(cut(text, size)).toEqual(expected);
  });

  it('for JSON lines, a line is a unit whatever its quotes', () => {
    expect(cut('{"a":"\n{"b":1}\n', 5, 'jsonl')).toEqual([
      { text: '{"a":"', line: 1 },
      { text: '{"b":1}', line: 2 },
    ]);
  });

  it('an unclosed quote at the end of the file is an error of its line, and the lines after it are read again', () => {
    expect(cut('h\n1,"a\n2,b\n3,c', 3)).toEqual([
      { text: 'h', line: 1 },
      { text: '1,"a', line: 2, problem: 'line 2: a quote opens a cell and does not close before the end of the file' },
      { text: '2,b', line: 3 },
      { text: '3,c', line: 4 },
    ]);
  });

  it(`gives up on an open quote after ${MAX_RECORD_LINES} lines, even while more is to come`, () => {
    const splitter = new LineSplitter(CSV);
    splitter.push(Buffer.from(`1,"open\n${'2,b\n'.repeat(MAX_RECORD_LINES + 1)}`));
    const first = splitter.next(false);
    expect(first?.problem).toMatch(/^line 1: a quote opens a cell and does not close within 1000 lines/);
    expect(splitter.next(false)).toMatchObject({ line: 2, bytes: Buffer.from('2,b') });
  });

  it('holds a last line without a line break until it is final, and reports what it has consumed', () => {
    const splitter = new LineSplitter(undefined);
    splitter.reset(100, 10);
    splitter.push(Buffer.from('one\ntw'));
    expect(splitter.next(false)).toMatchObject({ line: 11, bytes: Buffer.from('one') });
    expect(splitter.next(false)).toBeUndefined();
    expect(splitter.consumed()).toEqual({ bytes: 104, line: 11 });
    splitter.push(Buffer.from('o\n'));
    expect(splitter.next(false)).toMatchObject({ line: 12, bytes: Buffer.from('two') });
    expect(splitter.consumed()).toEqual({ bytes: 108, line: 12 });
  });
});
