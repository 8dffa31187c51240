// Shared Vitest settings for every workspace project. Workspace packages resolve to their
// TypeScript sources through the "@adagen/source" export condition, so tests never need a build.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';
import type { ViteUserConfig } from 'vitest/config';

const repoRoot = dirname(fileURLToPath(import.meta.url));

/**
 * Where the shared traces and calibration live: $ADAGEN_SHARED_DIR, else ../shared beside the
 * repository, else /work/shared. Tests that need them read process.env.ADAGEN_SHARED_DIR and skip
 * (saying so) when it is empty.
 */
function sharedDir(): string {
  const candidates = [
    process.env.ADAGEN_SHARED_DIR,
    resolve(repoRoot, '..', 'shared'),
    '/work/shared',
  ];
  for (const c of candidates) {
    if (c && existsSync(resolve(c, 'calibration')) && existsSync(resolve(c, 'traces'))) return c;
  }
  return '';
}

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
      env: { ADAGEN_SHARED_DIR: sharedDir() },
      include: overrides.include ?? ['src/**/*.test.ts'],
      testTimeout: overrides.testTimeoutMs ?? 10_000,
      hookTimeout: overrides.testTimeoutMs ?? 10_000,
      fileParallelism: overrides.fileParallelism ?? true,
    },
  });
}
