/** What a fleet costs per million tokens it serves, at a price per GPU-hour. */
import type { Workload } from '@adagen/workloads';

export interface TokenCost {
  /** Offered tokens per second (the workload's mean over its span). */
  outputTokensPerS: number;
  totalTokensPerS: number;
  /** Dollars per hour for the fleet. */
  dollarsPerHour: number;
  /** Dollars per million output tokens, and per million prompt + output tokens. */
  perMillionOutputTokens: number;
  perMillionTotalTokens: number;
}

export function tokenCost(
  w: Workload,
  instances: number,
  dollarsPerGpuHour: number,
  gpusPerInstance = 1,
): TokenCost {
  const reqs = w.requests;
  const spanS =
    reqs.length < 2
      ? 1
      : Math.max(1e-3, (reqs[reqs.length - 1]!.arrivalMs - reqs[0]!.arrivalMs) / 1000);
  const output = reqs.reduce((s, r) => s + r.outputTokens, 0);
  const total = reqs.reduce((s, r) => s + r.outputTokens + r.promptTokens, 0);
  const dollarsPerHour = instances * gpusPerInstance * dollarsPerGpuHour;
  const perMillion = (tokensPerS: number) =>
    tokensPerS > 0 ? dollarsPerHour / ((tokensPerS * 3600) / 1e6) : Number.POSITIVE_INFINITY;
  return {
    outputTokensPerS: output / spanS,
    totalTokensPerS: total / spanS,
    dollarsPerHour,
    perMillionOutputTokens: perMillion(output / spanS),
    perMillionTotalTokens: perMillion(total / spanS),
  };
}
