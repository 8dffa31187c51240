// docs/SECURITY.md shows the permission matrix the generator actually uses.
import { readFile } from 'node:fs/promises';
import { permissionMatrix } from '@adagen/natsconf';
import { expect, it } from 'vitest';

it('docs/SECURITY.md carries the current permission matrix', async () => {
  const doc = await readFile(new URL('../../docs/SECURITY.md', import.meta.url), 'utf8');
  const inDoc = /<!-- matrix:begin -->\n([\s\S]*?)\n<!-- matrix:end -->/.exec(doc)?.[1];
  expect(inDoc, 'regenerate with: bash infra/nats/generate.sh --matrix').toBe(permissionMatrix());
});
