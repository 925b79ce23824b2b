/** A file a generator command will write: its path relative to the project root, and its text. */
export interface PlannedFile {
  path: string;
  content: string;
}
