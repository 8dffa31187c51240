/**
 * KV-transfer links for distributed plans. STOPGAP: the engine package is to own link presets and
 * `kvTransferMs` (with split prefill's communication model); until it exports them the
 * simulator uses this minimal model: time = per-transfer latency + bytes / effective bandwidth.
 */
export interface LinkSpec {
  name: string;
  /** Effective bandwidth in bytes per second (one direction). */
  bandwidthBytesPerS: number;
  /** Fixed cost per transfer (setup, first byte). */
  latencyMs: number;
}

const GB = 1e9;

/** Nominal one-direction bandwidths, derated to ~80 % effective. */
export const kvLinkPresets: Readonly<Record<string, LinkSpec>> = Object.freeze({
  /** NVLink 3 (A100), 300 GB/s per direction. */
  nvlink: { name: 'nvlink', bandwidthBytesPerS: 0.8 * 300 * GB, latencyMs: 0.01 },
  /** 400 Gb/s InfiniBand / RoCE NIC. */
  'rdma-400g': { name: 'rdma-400g', bandwidthBytesPerS: (0.8 * 400 * GB) / 8, latencyMs: 0.05 },
  /** 200 Gb/s InfiniBand / RoCE NIC. */
  'rdma-200g': { name: 'rdma-200g', bandwidthBytesPerS: (0.8 * 200 * GB) / 8, latencyMs: 0.05 },
  /** 100 Gb/s Ethernet with TCP. */
  'tcp-100g': { name: 'tcp-100g', bandwidthBytesPerS: (0.6 * 100 * GB) / 8, latencyMs: 0.2 },
});

/** Time to move the KV of `tokens` tokens over `link`. */
export function kvTransferMs(tokens: number, bytesPerToken: number, link: LinkSpec): number {
  if (tokens <= 0) return 0;
  return link.latencyMs + ((tokens * bytesPerToken) / link.bandwidthBytesPerS) * 1000;
}
