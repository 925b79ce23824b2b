/**
 * The receiver names of a project's `alerts/receivers.yaml`, so a generated rule notifies
 * receivers that exist (a rule naming an unknown receiver does not load). A missing or
 * unreadable file gives none: the rule then notifies no receiver, and the alert loader
 * reports what is wrong with the file itself.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';

export async function projectReceivers(root: string): Promise<string[]> {
  for (const name of ['receivers.yaml', 'receivers.yml']) {
    let text: string;
    try {
      text = await readFile(join(root, 'alerts', name), 'utf8');
    } catch {
      continue;
    }
    try {
      const doc = parse(text) as { receivers?: unknown } | null;
      const receivers = doc?.receivers;
      return receivers && typeof receivers === 'object' && !Array.isArray(receivers) ? Object.keys(receivers) : [];
    } catch {
      return [];
    }
  }
  return [];
}
