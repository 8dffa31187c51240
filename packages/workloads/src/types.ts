/** One request of a workload: when it arrives and how many tokens it reads and writes. */
export interface TraceRequest {
  /** Unique within the workload (trace readers use the 0-based data-row index in the file). */
  id: string;
  /** Arrival time in ms from the workload start; ≥ 0 and non-decreasing along `requests`. */
  arrivalMs: number;
  /** Prompt (input) tokens, an integer ≥ 1. */
  promptTokens: number;
  /** Output (generated) tokens, an integer ≥ 1. */
  outputTokens: number;
  /** Where the request came from: a trace name (`azure-code`) or a generator name. */
  source: string;
  /** Tenant / client, when the trace has one. */
  tenant?: string;
  /** Mooncake prefix-block hashes, one per 512-token block of the prompt (for prefix caching). */
  hashIds?: number[];
}

/** A named, time-ordered list of requests and the notes saying how it was made. */
export interface Workload {
  name: string;
  requests: TraceRequest[];
  /** Human-readable provenance, one entry per step (reader choices, transforms, seeds). */
  notes: string[];
}
