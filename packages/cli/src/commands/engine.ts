/**
 * `adagen engine serve`: an OpenAI-compatible engine server (services/engine-server) over the
 * simulated engine in real time (`--backend sim`) or llama.cpp (`--backend llama`, CPU, one
 * thread), with vLLM's metric names and NixlConnector P/D fields — a target for the agents'
 * `http` backend and for testing any router. Serves until Ctrl-C / SIGTERM.
 */
import { appendFileSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import type { EngineConfigInput } from '@adagen/engine';
import { findProfile } from '@adagen/fleet';
import { generateRandomLlama } from '@adagen/gguf';
import type { ServedEngine } from '@adagen/svc-engine-server';
import { SimServedEngine, servedLlama, startEngineServer } from '@adagen/svc-engine-server';
import { positiveInt, positiveNumber } from '../args/parse.js';
import { UsageError } from '../args/usage-error.js';
import type { CliIo } from '../io.js';

interface ServeRaw {
  backend: string;
  port: string;
  host: string;
  model?: string;
  servedModelName?: string;
  engineId?: string;
  profile: string;
  timeScale: string;
  maxNumSeqs?: string;
  maxNumBatchedTokens?: string;
  numGpuBlocks?: string;
  maxModelLen?: string;
  maxSequences: string;
  contextSize: string;
  batchSize: string;
  record?: string;
}

export function engineCommand(io: CliIo): Command {
  const serve = new Command('serve')
    .description(
      'serve an OpenAI-compatible engine (vLLM metric names, NixlConnector P/D fields): the simulated engine in real time, or llama.cpp',
    )
    .option('--backend <engine>', 'sim (simulated in real time) or llama (llama.cpp, CPU)', 'sim')
    .option('--port <n>', 'HTTP port (0: a free one)', '8000')
    .option('--host <addr>', 'HTTP address', '127.0.0.1')
    .option('--model <file.gguf>', 'llama: the model (default: a small random-weight GGUF)')
    .option('--served-model-name <name>', 'the model name served (default: any name accepted)')
    .option('--engine-id <id>', 'this engine’s id in kv_transfer_params (default: random)')
    .option('--profile <name>', 'sim: latency profile (a100, h100 or a profile name)', 'a100')
    .option('--time-scale <x>', 'sim: run this many times faster than real time', '1')
    .option('--max-num-seqs <n>', 'sim: sequences per batch (default: the profile’s engine)')
    .option('--max-num-batched-tokens <n>', 'sim: token budget per iteration')
    .option('--num-gpu-blocks <n>', 'sim: KV blocks (default: from the profile)')
    .option('--max-model-len <n>', 'sim: longest context')
    .option('--max-sequences <n>', 'llama: requests decoded together', '4')
    .option('--context-size <n>', 'llama: tokens per request (prompt + output)', '2048')
    .option('--batch-size <n>', 'llama: tokens per llama_decode', '512')
    .option('--record <file.jsonl>', 'append what every request asked (P/D fields too) to a file')
    .action(async (raw: ServeRaw) => {
      const port = raw.port.trim() === '0' ? 0 : positiveInt('--port', raw.port);
      if (raw.backend !== 'sim' && raw.backend !== 'llama')
        throw new UsageError('--backend', `expected sim or llama, got "${raw.backend}"`);
      const simOnly = [
        ['--max-num-seqs', raw.maxNumSeqs],
        ['--max-num-batched-tokens', raw.maxNumBatchedTokens],
        ['--num-gpu-blocks', raw.numGpuBlocks],
        ['--max-model-len', raw.maxModelLen],
      ] as const;
      if (raw.backend === 'llama')
        for (const [flag, v] of simOnly)
          if (v !== undefined) throw new UsageError(flag, 'only with --backend sim');
      if (raw.model !== undefined && raw.backend !== 'llama')
        throw new UsageError('--model', 'only with --backend llama');
      if (raw.model !== undefined && !existsSync(resolve(io.cwd, raw.model)))
        throw new UsageError('--model', `no such file: ${raw.model}`);
      const engine = await buildEngine(io, raw);
      const record =
        raw.record === undefined
          ? undefined
          : (() => {
              const file = resolve(io.cwd, raw.record);
              writeFileSync(file, '', { flag: 'a' });
              return (r: object) => appendFileSync(file, `${JSON.stringify(r)}\n`);
            })();
      const server = await startEngineServer({
        engine,
        host: raw.host,
        port,
        ...(raw.servedModelName === undefined ? {} : { servedModelName: raw.servedModelName }),
        ...(raw.engineId === undefined ? {} : { engineId: raw.engineId }),
        ...(record === undefined ? {} : { record }),
      }).catch(async (error: unknown) => {
        await engine.close();
        throw new UsageError('--port', error instanceof Error ? error.message : String(error));
      });
      io.stdout(
        `adagen engine (${engine.backend}) serving on ${server.url} — engine id ${server.engineId}, max context ${engine.maxContextTokens} tokens\n`,
      );
      await new Promise<void>((resolveSignal) => {
        process.once('SIGINT', () => resolveSignal());
        process.once('SIGTERM', () => resolveSignal());
        // Started by a test or a supervisor holding our stdin: stop when it goes away.
        if (io.env.ADAGEN_EXIT_WITH_PARENT === '1') {
          process.stdin.once('end', () => resolveSignal());
          process.stdin.resume();
        }
      });
      await server.close();
      io.stderr('adagen engine: stopped\n');
    });
  return new Command('engine')
    .description('an OpenAI-compatible engine server for the http backend and router testing')
    .addCommand(serve);
}

async function buildEngine(io: CliIo, raw: ServeRaw): Promise<ServedEngine> {
  if (raw.backend === 'sim') {
    const profile = findProfile(raw.profile);
    if (profile === undefined)
      throw new UsageError('--profile', `unknown profile "${raw.profile}" (try a100 or h100)`);
    const engine: EngineConfigInput = {};
    if (raw.maxNumSeqs !== undefined)
      engine.maxNumSeqs = positiveInt('--max-num-seqs', raw.maxNumSeqs);
    if (raw.maxNumBatchedTokens !== undefined)
      engine.maxNumBatchedTokens = positiveInt('--max-num-batched-tokens', raw.maxNumBatchedTokens);
    if (raw.numGpuBlocks !== undefined)
      engine.numGpuBlocks = positiveInt('--num-gpu-blocks', raw.numGpuBlocks);
    if (raw.maxModelLen !== undefined)
      engine.maxModelLen = positiveInt('--max-model-len', raw.maxModelLen);
    try {
      return new SimServedEngine({
        profile,
        engine,
        timeScale: positiveNumber('--time-scale', raw.timeScale),
      });
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw new UsageError(
        '--max-num-seqs',
        error instanceof Error ? error.message : String(error),
      );
    }
  }
  let modelPath = raw.model === undefined ? undefined : resolve(io.cwd, raw.model);
  if (modelPath === undefined) {
    modelPath = join(mkdtempSync(join(tmpdir(), 'adagen-engine-')), 'random-llama.gguf');
    writeFileSync(modelPath, generateRandomLlama({ seed: 1 }));
    io.stderr(
      `adagen engine: no --model: wrote a random-weight llama GGUF (seed 1) to ${modelPath}\n`,
    );
  }
  const { LlamaEngine } = await import('@adagen/llama');
  const llama = await LlamaEngine.load({
    modelPath,
    maxSequences: positiveInt('--max-sequences', raw.maxSequences),
    contextSize: positiveInt('--context-size', raw.contextSize),
    batchSize: positiveInt('--batch-size', raw.batchSize),
  });
  return servedLlama(llama);
}
