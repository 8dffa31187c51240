import { stat } from 'node:fs/promises';
import { basename, isAbsolute, join } from 'node:path';
import { TRACE_ERROR_CODES, TraceError } from './errors.js';

/** Formats the loader understands. */
export const TRACE_FORMATS = ['azure-csv', 'mooncake-jsonl', 'csv', 'jsonl'] as const;
export type TraceFormat = (typeof TRACE_FORMATS)[number];

export interface BuiltinTrace {
  /** File name in the shared traces folder. */
  file: string;
  format: TraceFormat;
  description: string;
  /** Mooncake JSONL: arrivals quantised to ticks, spread within them by default. */
  tickQuantised?: boolean;
}

/** The production traces the project evaluates on, by short name. */
export const builtinTraces = {
  'azure-code': {
    file: 'azure2023_AzureLLMInferenceTrace_code.csv',
    format: 'azure-csv',
    description: 'Azure LLM inference 2023, code completion: long prompts, short outputs, bursty',
  },
  'azure-conv': {
    file: 'azure2023_AzureLLMInferenceTrace_conv.csv',
    format: 'azure-csv',
    description: 'Azure LLM inference 2023, conversation: moderate lengths, near-Poisson',
  },
  'mooncake-conv': {
    file: 'mooncake_conversation_trace.jsonl',
    format: 'mooncake-jsonl',
    description: 'Mooncake (Kimi) conversation: long context, prefix reuse, 3 s timestamp ticks',
    tickQuantised: true,
  },
  'mooncake-synthetic': {
    file: 'mooncake_synthetic_trace.jsonl',
    format: 'mooncake-jsonl',
    description:
      'Mooncake FAST25 synthetic: Poisson arrivals keeping multi-turn order, heavy prefix reuse (not production traffic)',
    tickQuantised: false,
  },
} as const satisfies Record<string, BuiltinTrace>;

export type BuiltinTraceName = keyof typeof builtinTraces;

export const BUILTIN_TRACE_NAMES = Object.keys(builtinTraces) as BuiltinTraceName[];

export function isBuiltinTraceName(name: string): name is BuiltinTraceName {
  return Object.hasOwn(builtinTraces, name);
}

/** The built-in name whose file this path points to, if any. */
export function builtinNameOfFile(path: string): BuiltinTraceName | undefined {
  const base = basename(path);
  return BUILTIN_TRACE_NAMES.find((n) => builtinTraces[n].file === base);
}

export interface ResolveTraceOptions {
  /** Folders to look in, in order; each is tried as is and with a `traces/` subfolder. */
  searchDirs: readonly string[];
}

/**
 * Finds a trace file from a built-in name (`azure-conv`) or a path. A relative path is tried
 * against the working directory first, then against each search folder. Throws a
 * {@link TraceError} (`not_found`) listing every path tried.
 */
export async function resolveTrace(
  nameOrPath: string,
  options: ResolveTraceOptions,
): Promise<string> {
  const tried = candidates(nameOrPath, options.searchDirs);
  for (const path of tried) {
    if (await isFile(path)) return path;
  }
  const known = isBuiltinTraceName(nameOrPath)
    ? ''
    : ` (built-in names: ${BUILTIN_TRACE_NAMES.join(', ')})`;
  const where = tried.length === 0 ? 'no search folders given' : `tried ${tried.join(', ')}`;
  throw new TraceError(
    TRACE_ERROR_CODES.notFound,
    { file: nameOrPath },
    `trace not found; ${where}${known}`,
  );
}

function candidates(nameOrPath: string, dirs: readonly string[]): string[] {
  if (isBuiltinTraceName(nameOrPath)) {
    const file = builtinTraces[nameOrPath].file;
    return dirs.flatMap((d) => [join(d, file), join(d, 'traces', file)]);
  }
  if (isAbsolute(nameOrPath)) return [nameOrPath];
  return [nameOrPath, ...dirs.flatMap((d) => [join(d, nameOrPath), join(d, 'traces', nameOrPath)])];
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
