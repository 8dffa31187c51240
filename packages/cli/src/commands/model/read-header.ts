/** Reads just enough of a (possibly multi-GB) GGUF file to parse its header. */
import { open } from 'node:fs/promises';
import { decodeGguf, GgufTruncatedError } from '@adagen/gguf';
import type { GgufFile } from '@adagen/gguf';

export async function readGgufHeader(path: string): Promise<{ file: GgufFile; sizeBytes: number }> {
  const handle = await open(path, 'r');
  try {
    const sizeBytes = (await handle.stat()).size;
    let length = Math.min(sizeBytes, 1 << 20);
    for (;;) {
      const buf = new Uint8Array(length);
      await handle.read(buf, 0, length, 0);
      try {
        const file = decodeGguf(buf, { complete: length === sizeBytes });
        for (const t of file.tensors) {
          if (t.byteSize !== undefined && file.dataOffset + t.offset + t.byteSize > sizeBytes)
            throw new Error(`${path}: tensor "${t.name}" runs past the end of the file`);
        }
        return { file, sizeBytes };
      } catch (e) {
        if (!(e instanceof GgufTruncatedError) || length === sizeBytes) throw e;
        length = Math.min(sizeBytes, Math.max(length * 2, length + e.needBytes));
      }
    }
  } finally {
    await handle.close();
  }
}
