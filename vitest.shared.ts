// Shared Vitest settings for every workspace project. Workspace packages resolve to their
// TypeScript sources through the "@adagen/source" export condition, so tests never need a build.
import { defineProject } from 'vitest/config';
import type { ViteUserConfig } from 'vitest/config';

const conditions = ['@adagen/source', 'node', 'import', 'module', 'default'];

export function projectConfig(
  name: string,
  overrides: { testTimeoutMs?: number; include?: string[]; fileParallelism?: boolean } = {},
): ViteUserConfig {
  return defineProject({
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: ['node'] } },
    test: {
      name,
      environment: 'node',
      include: overrides.include ?? ['src/**/*.test.ts'],
      testTimeout: overrides.testTimeoutMs ?? 10_000,
      hookTimeout: overrides.testTimeoutMs ?? 10_000,
      fileParallelism: overrides.fileParallelism ?? true,
    },
  });
}
