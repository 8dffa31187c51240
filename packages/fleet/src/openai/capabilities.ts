/**
 * Which request fields need which engine capability. The gateway refuses a field no ready
 * instance can honour (a 400 naming it) rather than letting an engine ignore it.
 */
import type { EngineCapabilities, SamplingParams } from '@adagen/protocol';
import type { GatewayRequest } from './request.js';

/** The OpenAI field name of each sampling parameter. */
const SAMPLING_FIELDS: Readonly<Record<Exclude<keyof SamplingParams, 'stop'>, string>> = {
  temperature: 'temperature',
  topP: 'top_p',
  topK: 'top_k',
  minP: 'min_p',
  frequencyPenalty: 'frequency_penalty',
  presencePenalty: 'presence_penalty',
  repetitionPenalty: 'repetition_penalty',
  minTokens: 'min_tokens',
  seed: 'seed',
};

/**
 * The first field of `req` that none of `fleet` (the ready instances' capabilities) can honour.
 * With no capabilities known yet (no instance reported any), nothing is refused here: the agent
 * refuses what its engine cannot do.
 */
export function unhonouredField(
  req: GatewayRequest,
  fleet: readonly EngineCapabilities[],
): { param: string; message: string } | undefined {
  if (fleet.length === 0) return undefined;
  const s = req.sampling ?? {};
  if (s.stop !== undefined && !fleet.some((c) => c.stop))
    return {
      param: 'stop',
      message: 'not supported by this fleet (no instance offers stop strings)',
    };
  for (const [key, param] of Object.entries(SAMPLING_FIELDS))
    if (s[key as keyof typeof SAMPLING_FIELDS] !== undefined && !fleet.some((c) => honours(c, key)))
      return { param, message: `not supported by this fleet (no instance offers ${param})` };
  return undefined;
}

/** Whether an engine honours sampling field `key` (a `SamplingParams` name). */
export function honours(c: EngineCapabilities, key: string): boolean {
  return c.sampling && (c.samplingFields === undefined || c.samplingFields.includes(key));
}

/** The context (prompt + output tokens) every ready instance offers: the smallest, if any. */
export function fleetMaxModelLen(fleet: readonly EngineCapabilities[]): number | undefined {
  if (fleet.length === 0) return undefined;
  return Math.min(...fleet.map((c) => c.maxModelLen));
}
