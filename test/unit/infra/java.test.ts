import { describe, expect, it } from 'vitest';
import { lookupJava, parseJavaVersion, requireJava } from '../../../scripts/infra/java.js';
import { tempDir } from '../../helpers/temp-dir.js';

describe('parseJavaVersion', () => {
  it('reads the feature release of a modern JDK', () => {
    const output = 'openjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime Environment (build 17.0.15+6-Ubuntu-0ubuntu124.04)\nOpenJDK 64-Bit Server VM (build 17.0.15+6, mixed mode, sharing)\n';
    expect(parseJavaVersion(output)).toEqual({ version: '17.0.15', major: 17 });
    expect(parseJavaVersion('openjdk version "21" 2023-09-19')).toEqual({ version: '21', major: 21 });
    expect(parseJavaVersion('openjdk version "11.0.2-internal" 2019-01-15')?.major).toBe(11);
  });

  it('reads Java 8 from its 1.x numbering', () => {
    expect(parseJavaVersion('java version "1.8.0_392"\nJava(TM) SE Runtime Environment (build 1.8.0_392-b08)')).toEqual({ version: '1.8.0_392', major: 8 });
  });

  it.each(['', 'command not found: java', 'openjdk version 17.0.15', 'version "abc"', 'version ""', 'java version "1.x"'])('is undefined for %j', (output) => {
    expect(parseJavaVersion(output)).toBeUndefined();
  });
});

describe('requireJava', () => {
  it('accepts the same or a newer feature release and names what needs a newer one', () => {
    const java = { bin: '/opt/jdk11/bin/java', version: '11.0.22', major: 11 };
    expect(() => requireJava({ ...java, version: '17.0.1', major: 17 }, 17, 'Kafka')).not.toThrow();
    expect(() => requireJava({ ...java, version: '21.0.1', major: 21 }, 17, 'Kafka')).not.toThrow();
    expect(() => requireJava(java, 17, 'Kafka 4.4.0')).toThrow('Kafka 4.4.0 needs Java 17 or later, but /opt/jdk11/bin/java is Java 11.0.22');
    expect(() => requireJava({ ...java, version: '17.0.1', major: 17 }, 21, 'Apicurio 3.3.3')).toThrow(/install a JDK 21/);
  });
});

describe('lookupJava', () => {
  it('says so when JAVA_HOME has no bin/java, without looking on the PATH', async () => {
    const dir = await tempDir('fastdata-java-');
    try {
      const found = lookupJava({ JAVA_HOME: dir.path, PATH: '' });
      expect(found).toEqual({ ok: false, reason: expect.stringContaining(`JAVA_HOME=${dir.path} has no bin/java`) });
    } finally {
      await dir.remove();
    }
  });
});
