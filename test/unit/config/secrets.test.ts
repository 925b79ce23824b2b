/**
 * Secrets never repeated where they could be printed: a config problem on a secret setting
 * does not echo its value, and a registry URL with credentials in it never shows them in
 * messages (the review found `schema check` printing the URL verbatim).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProjectConfig } from '../../../src/config/project-config.js';
import { errorMessage } from '../../../src/errors.js';
import { RemoteSchemaRegistry } from '../../../src/schema/remote-registry.js';

describe('secrets', () => {
  it('a config problem on a password, a secret or a token names the setting and hides the value', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fastdata-secrets-'));
    try {
      await writeFile(join(dir, 'fastdata.config.yaml'), 'registry:\n  url: http://127.0.0.1:8081\n  auth: { username: me, password: ["hunter2-hunter2"] }\nserver:\n  tokens:\n    - { name: a, sha256: "not-a-hash-hunter2", scope: read }\n');
      const error = await loadProjectConfig({ dir, env: {} }).then(
        () => undefined,
        (e: unknown) => e,
      );
      const message = errorMessage(error);
      expect(message).toMatch(/registry\.auth\.password: must be string \(got a value not shown: it is a secret\)/);
      expect(message).toMatch(/server\.tokens\.0\.sha256: .*\(got a value not shown: it is a secret\)/);
      expect(message).not.toContain('hunter2');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a registry URL with credentials keeps them out of every message, and uses them as basic auth', async () => {
    const registry = new RemoteSchemaRegistry({ url: 'http://ops:s3cret-pass@127.0.0.1:1/apis/ccompat/v7', retries: 0 });
    const error = await registry.getLatest('x-value').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(errorMessage(error)).toMatch(/http:\/\/127\.0\.0\.1:1\/apis\/ccompat\/v7/);
    expect(errorMessage(error)).not.toMatch(/s3cret|ops:/);
  });
});
