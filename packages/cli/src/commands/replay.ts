/**
 * `adagen replay`: a trace against any OpenAI-compatible endpoint (the AdaGen gateway, a vLLM
 * server, …) at a chosen rate, streaming so TTFT and TBT are measured, reported with the
 * simulator's metrics and SLO definitions.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { defaultSloSpec, parseSloTarget } from '@adagen/scheduler';
import type { SloTarget } from '@adagen/scheduler';
import { integer, oneOf, positiveInt, positiveNumber } from '../args/parse.js';
import { resolveProfileFlag } from '../args/profiles.js';
import { UsageError } from '../args/usage-error.js';
import { buildWorkload } from '../args/workload.js';
import type { CliIo } from '../io.js';
import { defaultMaxTokensCap, ENDPOINTS, OUTPUT_MODES } from './replay/body.js';
import type { OutputMode, ReplayEndpoint } from './replay/body.js';
import { PROMPT_FORMATS } from './replay/prompt.js';
import type { PromptFormat } from './replay/prompt.js';
import { formatReplay, replayJson } from './replay/report.js';
import { replay } from './replay/run.js';

interface ReplayRaw {
  trace: string;
  url: string;
  rate?: string;
  requests?: string;
  duration?: string;
  model?: string;
  endpoint: string;
  outputMode: string;
  maxTokens?: string;
  promptFormat: string;
  profile: string;
  sloTtft: string;
  sloTpot: string;
  seed: string;
  timeoutS: string;
  traceDir?: string;
  apiKey?: string;
  json?: boolean;
  out?: string;
}

function slo(flag: string, text: string, fallback: SloTarget): SloTarget {
  const t = parseSloTarget(text, fallback.kind === 'scale' ? fallback.floorMs : 0);
  if (t === undefined)
    throw new UsageError(flag, `expected "250ms", "250", "5x" or "5x:250", got "${text}"`);
  return t;
}

/** The served model (the first of /v1/models unless given) and its context, when announced. */
async function serverInfo(
  url: string,
  given: string | undefined,
  headers: Record<string, string> | undefined,
): Promise<{ model: string; maxModelLen?: number }> {
  let card: { id?: unknown; max_model_len?: unknown } | undefined;
  try {
    const res = await fetch(`${url.replace(/\/+$/, '')}/v1/models`, {
      signal: AbortSignal.timeout(10_000),
      ...(headers === undefined ? {} : { headers }),
    });
    const body = (await res.json()) as { data?: Array<{ id?: unknown; max_model_len?: unknown }> };
    card = body.data?.find((m) => given === undefined || m.id === given) ?? body.data?.[0];
  } catch {
    // without a model card: --model is required, and the cap is not fitted to the context
  }
  const model = given ?? (typeof card?.id === 'string' ? card.id : undefined);
  if (model === undefined)
    throw new UsageError('--model', `could not read a model from ${url}/v1/models; give --model`);
  const len = card?.max_model_len;
  return typeof len === 'number' && Number.isInteger(len) && len > 0
    ? { model, maxModelLen: len }
    : { model };
}

export function replayCommand(io: CliIo): Command {
  return new Command('replay')
    .description(
      'replay a trace against an OpenAI-compatible endpoint and report TTFT, TPOT and SLO attainment',
    )
    .requiredOption(
      '--trace <name|path>',
      '(required) azure-code, azure-conv, mooncake-conv, a file, synthetic:<preset>, or mix:<a>+<b>',
    )
    .requiredOption('--url <base>', '(required) server base URL, e.g. http://127.0.0.1:8080')
    .option('--rate <reqPerS>', 'rescale arrivals to this mean rate (req/s)')
    .option('--requests <n>', 'the first N requests of the trace')
    .option('--duration <s>', 'the first S seconds of the trace (before rescaling)')
    .option('--model <name>', 'model name (default: the first of /v1/models)')
    .option('--endpoint <kind>', `API: ${ENDPOINTS.join(' or ')}`, 'completions')
    .option(
      '--output-mode <mode>',
      'force output lengths with adagen (the AdaGen gateway: the length only as the engine-side hint adagen_output_tokens, beside the realistic cap --max-tokens) or ignore-eos (vLLM and others: max_tokens = the length + ignore_eos, so any router in front sees every true length)',
      'adagen',
    )
    .option(
      '--max-tokens <n>',
      'adagen mode: the max_tokens every request carries (default: the smallest power of two ≥ 256 covering the longest output), fitted to the context left by its prompt',
    )
    .option(
      '--prompt-format <f>',
      'prompts as text (Llama 3 token-exact) or tokens (ids; completions only); requests share a prompt start only where the trace says so (Mooncake hash ids), else each has its own',
      'text',
    )
    .option('--profile <name>', 'reference profile for the SLO targets (as simulate)', 'a100')
    .option('--slo-ttft <target>', 'TTFT SLO: "250ms" or "5x[:FLOOR]" × idle TTFT', '5x:250')
    .option('--slo-tpot <target>', 'TPOT SLO: "50ms" or "5x[:FLOOR]" × idle TPOT', '5x:50')
    .option('--seed <n>', 'seed (trace spreading)', '0')
    .option('--timeout-s <s>', 'per-request timeout', '600')
    .option('--trace-dir <dir>', 'look for named traces here first')
    .option('--api-key <key>', 'sent as Authorization: Bearer <key>')
    .option('--json', 'print the JSON result instead of the table', false)
    .option('--out <dir>', 'also write replay.json here')
    .action(async (raw: ReplayRaw) => {
      if (raw.requests !== undefined && raw.duration !== undefined)
        throw new UsageError('--requests', 'give --requests or --duration, not both');
      const seed = integer('--seed', raw.seed);
      const ratePerS = raw.rate === undefined ? undefined : positiveNumber('--rate', raw.rate);
      const workload = await buildWorkload(
        {
          trace: raw.trace,
          seed,
          ...(raw.traceDir === undefined ? {} : { traceDir: raw.traceDir }),
          ...(ratePerS === undefined ? {} : { ratePerS }),
          ...(raw.requests === undefined
            ? {}
            : { requests: positiveInt('--requests', raw.requests) }),
          ...(raw.duration === undefined
            ? {}
            : { durationS: positiveNumber('--duration', raw.duration) }),
        },
        {
          cwd: io.cwd,
          env: io.env,
          ...(io.traceFallbackDirs ? { traceFallbackDirs: io.traceFallbackDirs } : {}),
        },
      );
      const endpoint: ReplayEndpoint = oneOf('--endpoint', ENDPOINTS, raw.endpoint);
      const promptFormat: PromptFormat = oneOf('--prompt-format', PROMPT_FORMATS, raw.promptFormat);
      if (promptFormat === 'tokens' && endpoint === 'chat')
        throw new UsageError('--prompt-format', 'tokens needs --endpoint completions');
      const outputMode: OutputMode = oneOf('--output-mode', OUTPUT_MODES, raw.outputMode);
      const profile = await resolveProfileFlag(raw.profile, io.cwd);
      const sloSpec = {
        ttft: slo('--slo-ttft', raw.sloTtft, defaultSloSpec.ttft),
        tpot: slo('--slo-tpot', raw.sloTpot, defaultSloSpec.tpot),
      };
      const headers =
        raw.apiKey === undefined ? undefined : { authorization: `Bearer ${raw.apiKey}` };
      const { model, maxModelLen } = await serverInfo(raw.url, raw.model, headers);
      const longest = workload.requests.reduce((m, r) => Math.max(m, r.outputTokens), 1);
      const maxTokensCap =
        raw.maxTokens === undefined
          ? defaultMaxTokensCap(workload.requests.map((r) => r.outputTokens))
          : positiveInt('--max-tokens', raw.maxTokens);
      if (outputMode === 'adagen' && maxTokensCap < longest)
        throw new UsageError(
          '--max-tokens',
          `${maxTokensCap} is below the trace's longest output (${longest} tokens), which could not be generated`,
        );
      let lastReport = 0;
      const result = await replay({
        url: raw.url,
        workload,
        model,
        endpoint,
        promptFormat,
        outputMode,
        maxTokensCap,
        ...(maxModelLen === undefined ? {} : { maxModelLen }),
        profile,
        slo: sloSpec,
        timeoutMs: positiveNumber('--timeout-s', raw.timeoutS) * 1000,
        ...(headers === undefined ? {} : { headers }),
        onProgress: (sent, done, total) => {
          const now = io.now();
          if (now - lastReport < 5000 && done < total) return;
          lastReport = now;
          io.stderr(`replay: sent ${sent}/${total}, done ${done}\n`);
        },
      });
      const header = {
        url: raw.url,
        trace: raw.trace,
        ...(ratePerS === undefined ? {} : { ratePerS }),
        requests: workload.requests.length,
        model,
        endpoint,
        outputMode,
        ...(outputMode === 'adagen' ? { maxTokensCap } : {}),
        profile: profile.name,
        slo: sloSpec,
      };
      const json = replayJson(header, result);
      io.stdout(raw.json === true ? json : `${formatReplay(header, result)}\n`);
      if (raw.out !== undefined) {
        const dir = resolve(io.cwd, raw.out);
        await mkdir(dir, { recursive: true });
        await writeFile(join(dir, 'replay.json'), json, 'utf8');
      }
    });
}
