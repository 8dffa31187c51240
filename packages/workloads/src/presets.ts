import type { BuiltinTraceName } from './builtin.js';
import type { GenerateOptions } from './generate.js';

/**
 * Synthetic stand-ins for the built-in traces, for runs without the files. Lengths are lognormal
 * with the trace's nearest-rank p50 and p90, clamped to its min and max; the count and mean rate
 * are the trace's. Arrivals:
 * - `azure-code`: gamma with CV 3. The trace's CV of 13 comes from 45 silent gaps of 10 s to
 *   217 s that cover two thirds of the hour; between them requests come at ~8 req/s with CV 3. A
 *   renewal process with CV 13 would instead crowd almost every request into a few instants.
 * - `azure-conv`: gamma with the trace's CV, 1.09.
 * - `mooncake-conv`: Poisson. The trace's CV of 3 is an artefact of its 3 s timestamp ticks; its
 *   1-minute rates (2.4 to 4.1 req/s) look Poisson-like.
 * - `mooncake-synthetic`: Poisson, as the trace itself (its README section).
 * Use `{ ...syntheticPresets['azure-conv'], seed: 7 }` to change a field.
 */
export const syntheticPresets: Readonly<Record<BuiltinTraceName, GenerateOptions>> = {
  'azure-code': {
    name: 'synthetic-azure-code',
    seed: 1,
    ratePerS: 2.57,
    count: 8819,
    arrivals: { kind: 'gamma', cv: 3 },
    prompt: { kind: 'lognormal', median: 1469, p90: 5194, min: 3, max: 7437 },
    output: { kind: 'lognormal', median: 13, p90: 55, min: 6, max: 1899 },
  },
  'azure-conv': {
    name: 'synthetic-azure-conv',
    seed: 1,
    ratePerS: 5.53,
    count: 19366,
    arrivals: { kind: 'gamma', cv: 1.09 },
    prompt: { kind: 'lognormal', median: 1020, p90: 2735, min: 2, max: 14050 },
    output: { kind: 'lognormal', median: 129, p90: 424, min: 7, max: 1000 },
  },
  'mooncake-conv': {
    name: 'synthetic-mooncake-conv',
    seed: 1,
    ratePerS: 3.4,
    count: 12031,
    arrivals: { kind: 'poisson' },
    prompt: { kind: 'lognormal', median: 6909, p90: 27367, min: 891, max: 126195 },
    output: { kind: 'lognormal', median: 350, p90: 597, min: 1, max: 2000 },
  },
  'mooncake-synthetic': {
    name: 'synthetic-mooncake-synthetic',
    seed: 1,
    ratePerS: 3.9,
    count: 3993,
    arrivals: { kind: 'poisson' },
    prompt: { kind: 'lognormal', median: 11587, p90: 38615, min: 13, max: 191378 },
    output: { kind: 'lognormal', median: 69, p90: 389, min: 1, max: 893 },
  },
};
