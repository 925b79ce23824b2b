/**
 * Cuts the bytes of a CSV or JSON lines file into units: one line each, or for CSV the
 * lines of one record (a quoted cell may hold line breaks). Each unit knows its byte range
 * in the file and its first physical line, which give a source its resumable positions
 * and `line N` in errors.
 *
 * Why CSV records are cut here and not by csv-parse: after an unclosed quote csv-parse
 * reads every following line into the open cell and cannot recover (its
 * `skip_records_with_error` resumes inside the quote), so one bad line would swallow the
 * rest of the file. Here a small quote state machine, run only on lines that hold a quote
 * character, finds where each record ends, and a line whose quotes are wrong becomes one
 * unit with a `problem` that never reaches csv-parse:
 *
 * - a quote inside an unquoted cell (`ab"c`), or text after a closing quote (`"a"b`):
 *   that record;
 * - a quote still open at the end of the file, or after MAX_RECORD_LINES lines or
 *   MAX_RECORD_BYTES bytes (real multi-line cells are short; this bounds the memory held
 *   while waiting for a closing quote): the line that opened it, and cutting resumes
 *   with the line after it.
 *
 * - a line over MAX_LINE_BYTES: that line, cut to its first bytes.
 *
 * UTF-8 never puts an ASCII byte inside a multi-byte character, so quotes, delimiters and
 * line breaks are found on the bytes directly. Line breaks are LF or CRLF; blank lines
 * (empty or spaces and tabs only) are skipped and belong to no unit.
 */

export const MAX_RECORD_LINES = 1000;
export const MAX_RECORD_BYTES = 1024 * 1024;
/**
 * The longest line taken: far above any record a log accepts (1 MiB by default), far
 * below what would exhaust memory. A longer one (a binary file read as text, a file with
 * no line breaks) is one error unit with its first RAW_KEPT bytes, and what follows is
 * skipped up to the next line break.
 */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;
const RAW_KEPT = 1024;

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;

export interface LineUnit {
  /** Its bytes, without the final line break. A view into the read buffer: do not change it. */
  bytes: Buffer;
  /** Number of its first physical line, from 1. */
  line: number;
  /** Why it is unreadable (for CSV its quotes; any line over MAX_LINE_BYTES): then it is one line, and is not parsed. */
  problem?: string;
  /** For CSV: it holds a quote character (cells without one are the text between delimiters, as is). */
  quoted?: boolean;
}

export interface CsvQuoting {
  /** One ASCII character each. */
  delimiter: string;
  quote: string;
}

/** Quote states of the CSV cutter, at a byte. */
const enum Q {
  FieldStart,
  Unquoted,
  Quoted,
  /** A quote inside a quoted cell: it closed the cell, or it is the first of a doubled quote. */
  QuoteInQuoted,
}

export class LineSplitter {
  private buf: Buffer = Buffer.alloc(0);
  /** File offset of buf[0]. */
  private offset = 0;
  /** Index in buf where the pending unit starts: everything before it has been handed out or skipped. */
  private unitStart = 0;
  /** Index in buf where cutting goes on (start of the next line to look at). */
  private scan = 0;
  /** Physical lines before `scan`. */
  private lines = 0;
  /** Physical lines before `unitStart`. */
  private unitLines = 0;
  /** CSV: state at `scan` within the pending unit, and where its first line ends (for an unclosed quote). */
  private state = Q.FieldStart;
  private firstLineEnd = -1;
  private firstLineNext = -1;
  /** Index of the next quote byte at or after `scan` (-1: none in buf), so a file without quotes is not searched once a line. */
  private nextQuote = -1;
  /** CSV: the pending unit holds a quote character. */
  private quoted = false;
  /** Dropping the rest of a line over MAX_LINE_BYTES, up to its line break. */
  private skipping = false;
  private readonly quote: number;
  private readonly delimiter: number;

  constructor(private readonly csv: CsvQuoting | undefined) {
    this.quote = csv ? csv.quote.charCodeAt(0) : -1;
    this.delimiter = csv ? csv.delimiter.charCodeAt(0) : -1;
  }

  /** Starts afresh at file offset `offset`, line `line` (lines before it), dropping what is pending. */
  reset(offset: number, line: number): void {
    this.buf = Buffer.alloc(0);
    this.offset = offset;
    this.unitStart = this.scan = 0;
    this.lines = this.unitLines = line;
    this.resetUnit();
    this.nextQuote = -1;
    this.skipping = false;
  }

  /** File offset and physical lines of what has been handed out (or skipped): where reading resumes after it. */
  consumed(): { bytes: number; line: number } {
    return { bytes: this.offset + this.unitStart, line: this.unitLines };
  }

  /** Adds the bytes that follow the ones pushed so far. The buffer keeps only what is pending. */
  push(chunk: Buffer): void {
    const keep = this.unitStart;
    if (keep === this.buf.length) {
      this.buf = chunk;
    } else {
      this.buf = Buffer.concat([this.buf.subarray(keep), chunk]);
    }
    this.offset += keep;
    this.unitStart = 0;
    this.scan -= keep;
    if (this.firstLineEnd >= 0) {
      this.firstLineEnd -= keep;
      this.firstLineNext -= keep;
    }
    this.nextQuote = this.quote < 0 ? -1 : this.buf.indexOf(this.quote, this.scan);
  }

  /**
   * The next complete unit, or undefined when more bytes are needed. With `final` (the end
   * of a file that will not grow), a last line without a line break is complete, and a
   * quote still open is an error of the line that opened it.
   */
  next(final: boolean): LineUnit | undefined {
    const buf = this.buf;
    for (;;) {
      const from = this.scan;
      let lineEnd = buf.indexOf(LF, from);
      let next = lineEnd + 1;
      if (this.skipping) {
        // The rest of a line too long to take (see tooLong): dropped up to its line break.
        if (lineEnd < 0) {
          this.unitStart = this.scan = buf.length;
          if (final) this.skipping = false;
          return undefined;
        }
        this.skipping = false;
        this.lines++;
        this.unitStart = this.scan = next;
        this.unitLines = this.lines;
        this.resetUnit();
        continue;
      }
      if (lineEnd < 0 && this.state !== Q.Quoted && buf.length - this.unitStart > MAX_LINE_BYTES) return this.tooLong();
      if (lineEnd < 0) {
        if (!final || from >= buf.length) {
          if (final && this.unitStart < from) return this.unclosed('before the end of the file');
          return undefined;
        }
        lineEnd = next = buf.length;
      }
      let contentEnd = lineEnd;
      if (contentEnd > from && buf[contentEnd - 1] === CR) contentEnd--;
      this.lines++;
      const opening = this.unitStart === from;
      if (opening && isBlank(buf, from, contentEnd)) {
        this.unitStart = this.scan = next;
        this.unitLines = this.lines;
        continue;
      }
      if (this.csv !== undefined && (this.state === Q.Quoted || (this.nextQuote >= 0 && this.nextQuote < contentEnd))) {
        this.quoted = true;
        const problem = this.scanQuotes(from, contentEnd);
        if (problem !== undefined) {
          // Wrong quotes on a later line of an open cell: more likely the quote that opened
          // it was never closed than a cell that runs on into a broken line.
          if (!opening) return this.unclosed(`before line ${this.lines}, whose quotes do not read as the rest of a cell`);
          return this.handOut(contentEnd, next, problem);
        }
        if (this.state === Q.Quoted) {
          if (opening) {
            this.firstLineEnd = contentEnd;
            this.firstLineNext = next;
          }
          this.scan = next;
          if (this.lines - this.unitLines > MAX_RECORD_LINES || next - this.unitStart > MAX_RECORD_BYTES) {
            return this.unclosed(`within ${MAX_RECORD_LINES} lines or ${MAX_RECORD_BYTES} bytes`);
          }
          if (next === buf.length && lineEnd === buf.length) return final ? this.unclosed('before the end of the file') : undefined;
          continue;
        }
      }
      return this.handOut(contentEnd, next, undefined);
    }
  }

  /** Hands out the pending unit, which ends at `contentEnd` (line break excluded); the next starts at `next`. */
  private handOut(contentEnd: number, next: number, problem: string | undefined): LineUnit {
    const unit: LineUnit = { bytes: this.buf.subarray(this.unitStart, contentEnd), line: this.unitLines + 1 };
    if (problem !== undefined) unit.problem = `line ${unit.line}: ${problem}`;
    else if (this.quoted) unit.quoted = true;
    this.unitStart = this.scan = next;
    this.unitLines = this.lines;
    this.resetUnit();
    return unit;
  }

  /** The pending line is over MAX_LINE_BYTES with no line break yet: its start is the error unit, the rest is skipped. */
  private tooLong(): LineUnit {
    const line = this.unitLines + 1;
    const unit: LineUnit = {
      bytes: Buffer.from(this.buf.subarray(this.unitStart, this.unitStart + RAW_KEPT)),
      line,
      problem: `line ${line}: longer than ${MAX_LINE_BYTES} bytes without a line break (is it a text file of one record a line?); its first ${RAW_KEPT} bytes are kept, the rest of the line is skipped`,
    };
    this.skipping = true;
    this.unitStart = this.scan = this.buf.length;
    this.resetUnit();
    return unit;
  }

  /** The pending unit's quote never closed: its first line is the error, and cutting starts again on the line after it. */
  private unclosed(when: string): LineUnit {
    const unit: LineUnit = {
      bytes: this.buf.subarray(this.unitStart, this.firstLineEnd),
      line: this.unitLines + 1,
      problem: `line ${this.unitLines + 1}: a quote opens a cell and does not close ${when}`,
    };
    this.unitStart = this.scan = this.firstLineNext;
    this.unitLines += 1;
    this.lines = this.unitLines;
    this.resetUnit();
    // Cutting goes back to lines already scanned: find their quotes again.
    this.nextQuote = this.quote < 0 ? -1 : this.buf.indexOf(this.quote, this.scan);
    return unit;
  }

  private resetUnit(): void {
    this.state = Q.FieldStart;
    this.quoted = false;
    this.firstLineEnd = this.firstLineNext = -1;
    // Searched again only when passed: once a unit would make a quote-free file quadratic.
    if (this.nextQuote >= 0 && this.nextQuote < this.scan) this.nextQuote = this.buf.indexOf(this.quote, this.scan);
  }

  /** Runs the quote state machine over one line; the reason when its quotes are wrong. */
  private scanQuotes(from: number, to: number): string | undefined {
    const buf = this.buf;
    const quote = this.quote;
    const delimiter = this.delimiter;
    let state = this.state;
    let column = 1;
    for (let i = from; i < to; i++) {
      const c = buf[i]!;
      switch (state) {
        case Q.FieldStart:
          state = c === quote ? Q.Quoted : c === delimiter ? Q.FieldStart : Q.Unquoted;
          if (c === delimiter) column++;
          break;
        case Q.Unquoted:
          if (c === delimiter) {
            state = Q.FieldStart;
            column++;
          } else if (c === quote) {
            return `a quote inside an unquoted cell (cell ${column}); quote the whole cell and double the quote: "a""b"`;
          }
          break;
        case Q.Quoted:
          if (c === quote) state = Q.QuoteInQuoted;
          break;
        case Q.QuoteInQuoted:
          if (c === quote) {
            state = Q.Quoted;
          } else if (c === delimiter) {
            state = Q.FieldStart;
            column++;
          } else {
            return `text after the closing quote of cell ${column}; a quote inside a quoted cell is doubled: "a""b"`;
          }
          break;
      }
    }
    // At the line's end a quote just seen closed its cell; an open one carries the line break into the cell.
    this.state = state === Q.Quoted ? Q.Quoted : Q.FieldStart;
    if (this.nextQuote >= 0 && this.nextQuote < to) this.nextQuote = buf.indexOf(quote, to);
    return undefined;
  }
}

function isBlank(buf: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = buf[i];
    if (c !== SPACE && c !== TAB) return false;
  }
  return true;
}
