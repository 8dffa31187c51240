import { projectConfig } from '../vitest.shared.ts';

export default projectConfig('integration', { testTimeoutMs: 60_000 });
