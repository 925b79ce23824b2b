import { describe, expect, it } from 'vitest';
import { DEFAULT_VERSIONS, infraVersions, versionAtLeast, versionParts } from '../../../scripts/infra/versions.js';

describe('infraVersions', () => {
  it('is the pinned versions when nothing overrides them', () => {
    expect(infraVersions({})).toEqual(DEFAULT_VERSIONS);
    expect(infraVersions({ FASTDATA_INFRA_KAFKA_VERSION: '', FASTDATA_INFRA_APICURIO_VERSION: '   ' })).toEqual(DEFAULT_VERSIONS);
  });

  it('takes a version from its environment variable, trimmed, and leaves the others pinned', () => {
    const versions = infraVersions({ FASTDATA_INFRA_KAFKA_VERSION: ' 4.1.0 ', FASTDATA_INFRA_APICURIO_VERSION: '3.3.3' });
    expect(versions).toEqual({ ...DEFAULT_VERSIONS, kafka: '4.1.0', apicurio: '3.3.3' });
    expect(infraVersions({ FASTDATA_INFRA_LOG4J_VERSION: '2.24.3' }).log4j).toBe('2.24.3');
    expect(infraVersions({ FASTDATA_INFRA_APICURIO_VERSION: '3.0.0-M4' }).apicurio).toBe('3.0.0-M4');
  });

  it.each(['4.0; rm -rf /', 'latest', '../../etc', '4.0.0 && true', 'v4.0.0', '$(id)'])('refuses %j, naming the variable', (value) => {
    expect(() => infraVersions({ FASTDATA_INFRA_KAFKA_VERSION: value })).toThrow(`FASTDATA_INFRA_KAFKA_VERSION=${JSON.stringify(value)} is not a version`);
  });
});

describe('versionAtLeast', () => {
  it.each([
    ['4.4.0', '4.4.0', true],
    ['4.10.0', '4.9.9', true],
    ['3.2.0', '3.10.0', false],
    ['3.0.9', '3.2.0', false],
    ['3.3.3', '3.2.0', true],
    ['3.2', '3.2.0', true],
    ['21', '17', true],
    ['17.0.15', '21', false],
    ['4.0.0-rc1', '4.0.0', true],
  ])('%s >= %s is %s', (a, b, expected) => {
    expect(versionAtLeast(a, b)).toBe(expected);
  });

  it('reads major, minor and patch, missing or non-numeric parts as 0', () => {
    expect(versionParts('3.3.3-SNAPSHOT')).toEqual([3, 3, 3]);
    expect(versionParts('21')).toEqual([21, 0, 0]);
    expect(versionParts('x.y')).toEqual([0, 0, 0]);
  });
});
