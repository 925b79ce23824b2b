import { EmbeddedSchemaRegistry } from '../../../src/schema/embedded-registry.js';
import { describeRegistryConformance } from '../../conformance/registry.js';
import { tempDirs } from './fixtures.js';

const dirs = tempDirs();

describeRegistryConformance('embedded', async () => {
  const registry = await EmbeddedSchemaRegistry.open(await dirs.make());
  return { registry, close: async () => (await registry.close(), await dirs.cleanup()) };
});
