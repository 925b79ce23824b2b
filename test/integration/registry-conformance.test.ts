import { describe } from 'vitest';
import { RemoteSchemaRegistry } from '../../src/schema/remote-registry.js';
import { describeRegistryConformance, describeRegistryRestConformance } from '../conformance/registry.js';
import { registryUrl } from '../helpers/servers.js';

describe.skipIf(!registryUrl)('remote registry (Apicurio from scripts/infra, Confluent-compatible API)', () => {
  describeRegistryConformance('remote', async () => {
    const registry = new RemoteSchemaRegistry({ url: registryUrl! });
    return { registry, close: () => registry.close() };
  });
  describeRegistryRestConformance('remote', async () => ({ url: registryUrl!, close: async () => {} }));
});
