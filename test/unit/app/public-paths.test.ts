import { describe, expect, it } from 'vitest';
import { withPublicPaths } from '../../../src/app/public-paths.js';

describe('withPublicPaths', () => {
  it('writes the project root as . and the data dir as <dataDir>, in every string at any depth', () => {
    const names = { root: '/home/ann/plant', dataDir: '/home/ann/plant/.fastdata' };
    const status = {
      summary: 'the embedded log in /home/ann/plant/.fastdata, registry embedded',
      loadFailures: [{ file: '/home/ann/plant/streams/bad.ts', error: 'at /home/ann/plant/streams/bad.ts:3:1' }],
      modules: [{ records: 12, error: null, dir: '/home/ann/plant' }],
    };
    expect(withPublicPaths(status, names)).toEqual({
      summary: 'the embedded log in <dataDir>, registry embedded',
      loadFailures: [{ file: './streams/bad.ts', error: 'at ./streams/bad.ts:3:1' }],
      modules: [{ records: 12, error: null, dir: '.' }],
    });
  });

  it('names a data dir outside the project too, and leaves other paths and values alone', () => {
    const out = withPublicPaths({ a: '/var/lib/fastdata/log/p-0 and /etc/hosts', n: 3, b: true }, { root: '/srv/app', dataDir: '/var/lib/fastdata' });
    expect(out).toEqual({ a: '<dataDir>/log/p-0 and /etc/hosts', n: 3, b: true });
  });
});
