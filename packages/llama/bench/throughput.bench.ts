// Figures for the llama engine on a generated random-weight model (not a test; nothing asserted).
//   pnpm --filter @adagen/llama bench          (BENCH_TOKENS=N tokens per request, default 256)
// Prints: runtime + model load time, prefill ms per token, decode tokens/s for 1 and 4
// concurrent sequences (and 4 one after another, the baseline), tokens per llama_decode.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateRandomLlama } from '@adagen/gguf';
import { LlamaEngine } from '../src/index.js';
import type { GenerationRequestInput } from '../src/index.js';

const TOKENS = Number(process.env.BENCH_TOKENS ?? 256);
const sizes = {
  default: {},
  larger: { embeddingLength: 512, feedForwardLength: 1536, heads: 8, kvHeads: 4 },
} as const;

function generate(engine: LlamaEngine, req: GenerationRequestInput): Promise<number> {
  return new Promise((resolve, reject) => {
    engine.submit(req, (e) => {
      if (e.type === 'done') resolve(e.usage.completionTokens);
      if (e.type === 'error') reject(new Error(e.message));
    });
  });
}

let n = 0;
const req = (maxTokens: number, text: string): GenerationRequestInput => ({
  requestId: `r${n++}`,
  input: { type: 'text', text },
  maxTokens,
  ignoreEos: true,
  sampling: { temperature: 0.8, seed: n },
});

async function bench(label: keyof typeof sizes): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'adagen-llama-bench-'));
  const path = join(dir, 'model.gguf');
  const bytes = generateRandomLlama({ seed: 1, ...sizes[label] });
  writeFileSync(path, bytes);
  let t = performance.now();
  const engine = await LlamaEngine.load({
    modelPath: path,
    maxSequences: 4,
    contextSize: 2048,
    prefixCache: false,
  });
  const loadMs = performance.now() - t;
  const batches: number[] = [];
  const decodeMs = new Map<number, number[]>(); // sequences in a decode-only batch → durations
  const prefill: Array<{ tokens: number; ms: number }> = [];
  engine.observe((o) => {
    if (o.prefillTokens > 0 && o.decodeTokens === 0)
      prefill.push({ tokens: o.prefillTokens, ms: o.durationMs });
    else {
      batches.push(o.decodeTokens);
      if (o.prefillTokens === 0)
        decodeMs.set(o.decodeTokens, [...(decodeMs.get(o.decodeTokens) ?? []), o.durationMs]);
    }
  });
  await generate(engine, req(8, 'warm up')); // first decode allocates buffers
  const long = 'The request arrives with a prompt; the server reads it in one pass. '.repeat(24);
  prefill.length = 0;
  for (let i = 0; i < 3; i++) await generate(engine, req(1, `${i} ${long}`));
  const prefillMsPerToken =
    prefill.reduce((a, p) => a + p.ms, 0) / prefill.reduce((a, p) => a + p.tokens, 0);
  const rate = async (concurrent: number, together: boolean) => {
    batches.length = 0;
    t = performance.now();
    const cpu0 = process.cpuUsage();
    let tokens = 0;
    if (together)
      tokens = (
        await Promise.all(
          Array.from({ length: concurrent }, (_, i) => generate(engine, req(TOKENS, `seq ${i}`))),
        )
      ).reduce((a, b) => a + b, 0);
    else
      for (let i = 0; i < concurrent; i++)
        tokens += await generate(engine, req(TOKENS, `seq ${i}`));
    const perDecode =
      batches.length === 0 ? 0 : batches.reduce((a, b) => a + b, 0) / batches.length;
    const cpu = process.cpuUsage(cpu0);
    const cpuUsPerToken = (cpu.user + cpu.system) / tokens;
    return {
      tokPerS: tokens / ((performance.now() - t) / 1000),
      cpuUsPerToken,
      perDecode,
      decodes: batches.length,
    };
  };
  const one = await rate(1, true);
  const seq4 = await rate(4, false);
  const four = await rate(4, true);
  await engine.close();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  const perBatch = [...decodeMs.entries()]
    .sort(([a], [b]) => a - b)
    .map(([k, v]) => `${k} seq: ${median(v).toFixed(3)} ms (n=${v.length})`)
    .join(', ');
  const f = (x: number) => x.toFixed(1);
  console.log(
    `${label} model (${(bytes.length / 1e6).toFixed(2)} MB): load ${f(loadMs)} ms (runtime + model + context), prefill ${f(prefillMsPerToken * 1000)} µs/token (llama_decode time, ${prefill.length} decodes)`,
  );
  const line = (name: string, r: Awaited<ReturnType<typeof rate>>) =>
    console.log(
      `  ${name.padEnd(24)} ${f(r.tokPerS).padStart(7)} tok/s wall, ${f(r.cpuUsPerToken).padStart(7)} µs CPU/token, ${r.decodes} decodes, ${f(r.perDecode)} sequences/decode`,
    );
  console.log(
    `  prefill decodes: ${prefill.map((p) => `${p.tokens} tok ${p.ms.toFixed(1)} ms`).join(', ')}`,
  );
  console.log(`  median llama_decode time by sequences in a decode-only batch: ${perBatch}`);
  line('1 sequence', one);
  line('4 one after another', seq4);
  line('4 concurrent (batched)', four);
  console.log(
    `  4 concurrent vs one after another: ×${(four.tokPerS / seq4.tokPerS).toFixed(2)} tok/s wall, ×${(seq4.cpuUsPerToken / four.cpuUsPerToken).toFixed(2)} tokens per CPU second`,
  );
}

for (const label of Object.keys(sizes) as Array<keyof typeof sizes>) await bench(label);
