/**
 * The process's llama.cpp runtime: the CPU prebuilt binary of @node-llama-cpp/linux-x64, loaded
 * once. It never builds from source or downloads anything (build 'never', skipDownload) and
 * never looks for a GPU; a missing prebuilt binary is a clear error, not a 20-minute build.
 */
import { getLlama, LlamaLogLevel } from 'node-llama-cpp';
import type { Llama } from 'node-llama-cpp';

/** A pino-compatible logger (only what the engine uses). */
export interface LlamaLogger {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

let runtime: Promise<Llama> | undefined;
let sink: LlamaLogger | undefined;

function forward(level: LlamaLogLevel, message: string): void {
  const text = message.trimEnd();
  if (sink === undefined || text === '') return;
  if (level === LlamaLogLevel.error || level === LlamaLogLevel.fatal)
    sink.error({ source: 'llama.cpp' }, text);
  else if (level === LlamaLogLevel.warn) sink.warn({ source: 'llama.cpp' }, text);
  else sink.debug({ source: 'llama.cpp' }, text);
}

/**
 * The shared runtime. llama.cpp's own log lines go to the most recent `logger` given (they are
 * process-wide); without one they are dropped.
 */
export async function llamaRuntime(logger?: LlamaLogger): Promise<Llama> {
  if (logger !== undefined) sink = logger;
  runtime ??= getLlama({
    gpu: false,
    build: 'never',
    skipDownload: true,
    usePrebuiltBinaries: true,
    progressLogs: false,
    // Evaluation threads are set per context (1); this caps the runtime as a whole.
    maxThreads: 1,
    logLevel: LlamaLogLevel.warn,
    logger: forward,
  }).catch((e: unknown) => {
    runtime = undefined;
    throw new Error(
      `cannot load llama.cpp's CPU prebuilt binary (@node-llama-cpp/linux-x64 3.21.1 installed?): ${
        e instanceof Error ? e.message : String(e)
      }`,
      { cause: e },
    );
  });
  return runtime;
}
