/**
 * `adagen model`: `gen` writes a random-weight llama GGUF (deterministic from --seed) that
 * llama.cpp loads; `info` prints a GGUF's llama hyper-parameters and checks its header.
 */
import { createHash } from 'node:crypto';
import { rename, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { checkLlamaGguf, generateRandomLlama, RandomLlamaOptionsError } from '@adagen/gguf';
import type { RandomLlamaOptions } from '@adagen/gguf';
import { integer, positiveInt } from '../args/parse.js';
import { UsageError } from '../args/usage-error.js';
import type { CliIo } from '../io.js';
import { readGgufHeader } from './model/read-header.js';

interface GenRaw {
  out: string;
  seed: string;
  layers?: string;
  embedding?: string;
  heads?: string;
  kvHeads?: string;
  ff?: string;
  vocab?: string;
  context?: string;
  dtype: string;
  name?: string;
}

/** Flag of each generator option, so an option error names the flag the user typed. */
const flagOf: Record<string, string> = {
  seed: '--seed',
  layers: '--layers',
  embeddingLength: '--embedding',
  heads: '--heads',
  kvHeads: '--kv-heads',
  feedForwardLength: '--ff',
  vocabSize: '--vocab',
  contextLength: '--context',
  weightType: '--dtype',
  name: '--name',
};

function genOptions(raw: GenRaw): RandomLlamaOptions {
  const opt = (flag: string, text: string | undefined) =>
    text === undefined ? undefined : positiveInt(flag, text);
  const o: Record<string, unknown> = {
    seed: integer('--seed', raw.seed),
    layers: opt('--layers', raw.layers),
    embeddingLength: opt('--embedding', raw.embedding),
    heads: opt('--heads', raw.heads),
    kvHeads: opt('--kv-heads', raw.kvHeads),
    feedForwardLength: opt('--ff', raw.ff),
    vocabSize: opt('--vocab', raw.vocab),
    contextLength: opt('--context', raw.context),
    weightType: raw.dtype,
    name: raw.name,
  };
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

function genCommand(io: CliIo): Command {
  return new Command('gen')
    .description(
      'write a random-weight llama-architecture GGUF (text is meaningless; tokens, KV and batching are real)',
    )
    .requiredOption('--out <file>', 'GGUF file to write')
    .option('--seed <n>', 'seed of the weights (0 to 4294967295); same flags → same bytes', '1')
    .option('--layers <n>', 'transformer blocks (default 4)')
    .option('--embedding <n>', 'hidden size (default 128)')
    .option('--heads <n>', 'attention heads (default 4)')
    .option('--kv-heads <n>', 'key/value heads (default 2)')
    .option('--ff <n>', 'feed-forward size (default 384)')
    .option('--vocab <n>', 'vocabulary size, 259 to 800 (default 512)')
    .option('--context <n>', 'trained context length in the metadata (default 4096)')
    .option('--dtype <type>', 'weight type: f16 or f32', 'f16')
    .option('--name <name>', 'general.name (default adagen-random-llama)')
    .action(async (raw: GenRaw) => {
      let bytes: Uint8Array;
      try {
        bytes = generateRandomLlama(genOptions(raw));
      } catch (e) {
        if (e instanceof RandomLlamaOptionsError) {
          const flag = flagOf[e.field] ?? e.field;
          throw new UsageError(flag, e.message.replace(`${e.field}: `, ''));
        }
        throw e;
      }
      const path = resolve(io.cwd, raw.out);
      const tmp = `${path}.partial`;
      await writeFile(tmp, bytes);
      await rename(tmp, path);
      const sha = createHash('sha256').update(bytes).digest('hex');
      io.stdout(`wrote ${path} (${bytes.length} bytes, sha256 ${sha})\n`);
    });
}

function infoCommand(io: CliIo): Command {
  return new Command('info')
    .description("print a GGUF's llama hyper-parameters and check its header (exit 1 on a problem)")
    .argument('<file>', 'GGUF file')
    .option('--json', 'print JSON', false)
    .action(async (file: string, raw: { json: boolean }) => {
      const path = resolve(io.cwd, file);
      const { file: gguf, sizeBytes } = await readGgufHeader(path);
      const { params, problems } = checkLlamaGguf(gguf);
      const summary = {
        path,
        sizeBytes,
        version: gguf.version,
        tensors: gguf.tensors.length,
        ...params,
        chatTemplate: params.chatTemplate !== undefined,
        problems,
      };
      if (raw.json) io.stdout(`${JSON.stringify(summary, null, 2)}\n`);
      else {
        const lines = Object.entries(summary)
          .filter(([k]) => k !== 'problems')
          .map(([k, v]) => `${k.padEnd(18)} ${String(v)}`);
        io.stdout(`${lines.join('\n')}\n${problems.map((p) => `problem: ${p}\n`).join('')}`);
      }
      if (problems.length > 0)
        throw new Error(`${path}: ${problems.length} problem(s) in the GGUF header`);
    });
}

export function modelCommand(io: CliIo): Command {
  return new Command('model')
    .description('generate or inspect GGUF model files for the llama backend')
    .addCommand(genCommand(io))
    .addCommand(infoCommand(io));
}
