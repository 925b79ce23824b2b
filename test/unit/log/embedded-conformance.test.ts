import { EmbeddedLog } from '../../../src/log/embedded/embedded-log.js';
import { describeLogConformance } from '../../conformance/log.js';
import { tempDir } from '../../helpers/temp-dir.js';

describeLogConformance('embedded', async () => {
  const dir = await tempDir();
  const log = await EmbeddedLog.open(dir.path, { fsync: 'never', minCleanableDirtyRatio: 0 });
  return {
    log,
    maintenance: async () => log.runMaintenance(),
    close: async () => {
      await log.close();
      await dir.remove();
    },
  };
});
