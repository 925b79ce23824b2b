/**
 * Dashboards in `fastdata dev`: the server reads dashboards/*.yaml on every request, so a
 * saved file is what the next page load shows, and a bad file never stops the others.
 * What the server cannot do is tell the terminal: this checks each dashboard file when it is
 * saved, added or deleted, and once at start, and says whether it loads (with its panels) or
 * why not (every problem with file:line:col), as modules and sources are reported.
 *
 * At start, a panel whose topic is not an output (yet) is not reported: the modules start
 * beside this and their output topics may not exist yet; the page and the status page show
 * such a problem if it lasts, and the next save of the file reports it.
 */
import { join, relative } from 'node:path';
import { formatProblem, type Problem } from '../../config/validated-file.js';
import { FastdataError } from '../../errors.js';
import { type DashboardEntry, type OutputCatalog, loadDashboardFile, loadDashboards } from '../../serve/dashboards/load.js';
import type { AppEvent } from '../events.js';

export class DashboardCheck {
  /** What was last said of each file (its problems, or its panels), so a save that changes nothing says nothing new. */
  private readonly said = new Map<string, string>();
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly root: string,
    private readonly dir: string,
    private readonly catalog: OutputCatalog,
    private readonly emit: (event: AppEvent) => void,
  ) {}

  /** Every dashboard as it is at start: the broken ones are reported. */
  checkAll(): Promise<void> {
    this.running = this.running.then(async () => {
      for (const entry of await loadDashboards(this.dir, this.catalog)) {
        const problems = entry.problems.filter((p) => !p.field.endsWith('.topic'));
        if (problems.length > 0) this.reportInvalid(entry, problems);
        else if (entry.definition) this.said.set(entry.file, this.summary(entry));
      }
    });
    return this.running;
  }

  /** A dashboard file was saved, added or deleted. Never rejects. */
  check(path: string): Promise<void> {
    this.running = this.running.then(() => this.checkNow(path)).catch((error) => this.emit({ type: 'load-failed', file: path, error }));
    return this.running;
  }

  private async checkNow(path: string): Promise<void> {
    const entry = await loadDashboardFile(this.dir, path, this.catalog);
    const file = relative(this.root, path);
    if (!entry) {
      if (this.said.delete(file)) this.emit({ type: 'file-reloaded', file: path, what: 'dashboard', changes: [`deleted: /dashboards/${fileName(file)} is gone`] });
      return;
    }
    if (entry.problems.length > 0) {
      this.reportInvalid(entry, entry.problems);
      return;
    }
    const summary = this.summary(entry);
    if (this.said.get(entry.file) === summary) return;
    this.said.set(entry.file, summary);
    this.emit({ type: 'file-reloaded', file: path, what: 'dashboard', changes: [summary] });
  }

  private summary(entry: DashboardEntry): string {
    const panels = entry.definition?.panels.length ?? 0;
    return `/dashboards/${entry.name} (${JSON.stringify(entry.title ?? entry.name)}): ${panels} panel${panels === 1 ? '' : 's'}`;
  }

  private reportInvalid(entry: DashboardEntry, problems: Problem[]): void {
    const lines = problems.map(formatProblem);
    const said = `invalid:${lines.join('\n')}`;
    if (this.said.get(entry.file) === said) return;
    this.said.set(entry.file, said);
    const message = `${lines.length === 1 ? lines[0]! : `${lines.length} problems:\n  - ${lines.join('\n  - ')}`}\n  /dashboards/${entry.name} shows these problems until the file is fixed; the other dashboards are not affected`;
    this.emit({ type: 'load-failed', file: join(this.root, entry.file), error: new FastdataError('FD_CONFIG_INVALID', message, { context: { file: entry.file } }) });
  }
}

const fileName = (file: string) => file.replace(/^.*\//, '').replace(/\.ya?ml$/, '');
