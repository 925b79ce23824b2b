import type { Source, SourceContext } from '../app/embedded-app.js';

/** The sources `fastdata dev` runs for the demo project. */
export function demoSources(_context: SourceContext): Source[] {
  return [];
}
