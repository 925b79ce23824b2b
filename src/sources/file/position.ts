/**
 * Where reading a file has got to: a small JSON value a source stores after each batch it
 * has written, and passes back as `from` on a restart, so that nothing is read twice or
 * skipped. Each kind says where the next record starts in the way its format can seek to
 * it, and carries enough of the file's identity to notice that the path now holds another
 * file (then reading starts again from the beginning, with a notice).
 */
import type { SourceRecord } from '../source-record.js';

/** CSV and JSON lines: a byte offset at a line start (streams seek to it directly). */
export interface LinePosition {
  kind: 'lines';
  /** Byte offset of the next unread line. */
  bytes: number;
  /** Physical lines before `bytes` (header and blank lines included): the next line is `line + 1`. */
  line: number;
  /** Records (error records included) emitted before `bytes`, for reports. */
  records: number;
  /** Inode of the file read: another inode at the path means the file was replaced. */
  ino: number;
  /** Hash of the file's first min(bytes, 1024) bytes: a file rewritten in place under the same inode shows here. */
  head: string;
}

/** Avro object container files: a block's byte offset and the records of it already emitted. */
export interface AvroPosition {
  kind: 'avro';
  /** Byte offset of the block that holds the next record (or of the end of the file). */
  block: number;
  /** Records of that block already emitted. */
  skip: number;
  /** Records (error records included) emitted so far, for reports and `record N`. */
  records: number;
  /** The file's sync marker (hex): 16 random bytes each writer picks, so a different file shows. */
  sync: string;
}

/** Parquet: the index of the next row. */
export interface ParquetPosition {
  kind: 'parquet';
  /** Rows before the next one to read (rows of unreadable row groups included). */
  rows: number;
  /** Size of the file read: Parquet files are written once, a new size means a new file. */
  size: number;
}

export type FilePosition = LinePosition | AvroPosition | ParquetPosition;

/** Records read from a file, and where reading resumes right after them. */
export interface FileBatch {
  records: SourceRecord[];
  position: FilePosition;
}
