import { projectConfig } from '../../vitest.shared.ts';

// Engine tests load llama.cpp (one engine per file, threads 1): give them time on a busy box
// and run the files one after another so at most one engine generates at a time.
export default projectConfig('llama', { testTimeoutMs: 60_000, fileParallelism: false });
