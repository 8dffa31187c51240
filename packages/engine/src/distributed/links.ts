/**
 * A point-to-point link for KV-cache transfer between instances. Effective bandwidth (what a
 * bulk transfer achieves), one direction, plus a fixed per-transfer setup cost.
 */
export interface Link {
  name: string;
  /** Effective one-direction bandwidth in bytes per second. */
  bandwidthBytesPerS: number;
  /** Fixed cost per transfer (handshake, registration, completion notice), ms. */
  setupMs: number;
  /** Where the figure comes from. */
  source: string;
}

const GB = 1e9;

/**
 * Link presets. Nominal figures from the vendors' data sheets; the efficiency factors and the
 * setup costs are our assumptions (see the package README).
 */
export const LinkPresets = {
  'nvlink-a100': {
    name: 'nvlink-a100',
    bandwidthBytesPerS: 300 * GB,
    setupMs: 0.05,
    source:
      'A100 NVLink 3: 600 GB/s bidirectional = 300 GB/s per direction (NVIDIA A100 datasheet)',
  },
  'nvlink-h100': {
    name: 'nvlink-h100',
    bandwidthBytesPerS: 450 * GB,
    setupMs: 0.05,
    source:
      'H100 SXM NVLink 4: 900 GB/s bidirectional = 450 GB/s per direction (NVIDIA H100 datasheet)',
  },
  'pcie4-x16': {
    name: 'pcie4-x16',
    bandwidthBytesPerS: 25 * GB,
    setupMs: 0.05,
    source: 'PCIe 4.0 x16: 31.5 GB/s per direction nominal, ~25 GB/s achieved (assumption ~80 %)',
  },
  'rdma-100g': {
    name: 'rdma-100g',
    bandwidthBytesPerS: 0.9 * 12.5 * GB,
    setupMs: 0.5,
    source: '100 Gb/s RDMA (InfiniBand EDR / RoCE): 12.5 GB/s line rate × 0.9 (assumption)',
  },
  'rdma-400g': {
    name: 'rdma-400g',
    bandwidthBytesPerS: 0.9 * 50 * GB,
    setupMs: 0.5,
    source: '400 Gb/s RDMA (InfiniBand NDR / ConnectX-7): 50 GB/s line rate × 0.9 (assumption)',
  },
  'ethernet-10g': {
    name: 'ethernet-10g',
    bandwidthBytesPerS: 0.8 * 1.25 * GB,
    setupMs: 1,
    source: '10 Gb/s TCP Ethernet: 1.25 GB/s line rate × 0.8 (assumption); a slow-link reference',
  },
} as const satisfies Record<string, Link>;
export type LinkPresetName = keyof typeof LinkPresets;

/** Time (ms) to move the KV of `tokens` tokens: setupMs + tokens × bytesPerToken / bandwidth. */
export function kvTransferMs(tokens: number, bytesPerToken: number, link: Link): number {
  if (!(tokens >= 0) || !(bytesPerToken >= 0)) {
    throw new RangeError(`tokens and bytesPerToken must be >= 0, got ${tokens}, ${bytesPerToken}`);
  }
  if (!(link.bandwidthBytesPerS > 0)) {
    throw new RangeError(`link ${link.name}: bandwidthBytesPerS must be > 0`);
  }
  if (tokens === 0) return 0;
  return link.setupMs + ((tokens * bytesPerToken) / link.bandwidthBytesPerS) * 1000;
}
