/**
 * A real browser for the dashboard's tests: Debian's `chromium` (installed by
 * `infra/ensure-chromium.sh` when missing) driven by `playwright-core` — headless, no sandbox
 * (root in CI), no background networking or GPU, a fresh profile directory each time.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { BrowserContext } from 'playwright-core';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The Chromium binary, or why there is none (installing it once if this machine allows). */
export function findChromium(): { path: string } | { missing: string } {
  const r = spawnSync('bash', [join(repoRoot, 'infra', 'ensure-chromium.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 600_000,
  });
  const path = r.status === 0 ? r.stdout.trim().split('\n').pop() : undefined;
  if (path !== undefined && path !== '') return { path };
  return { missing: (r.stderr || r.error?.message || 'ensure-chromium.sh failed').trim() };
}

export interface Browser extends AsyncDisposable {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(executablePath: string): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'adagen-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport: { width: 1600, height: 1000 },
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--no-first-run',
    ],
  });
  const close = async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  };
  return { context, close, [Symbol.asyncDispose]: close };
}
