/**
 * Streams a chat completion and checks it against the text its simulated agent generated (a
 * function of the request: `simText`), so every defect a client could see is named: a stream
 * that restarts (duplicated), tokens out of order, a 200 that ends early (truncated), a stream
 * that ends without an outcome (lost), one that never ends (hung), or an error event (failed).
 */
import { simText, simTextSeed } from '@adagen/fleet';

export const MODEL = 'meta-llama/Meta-Llama-3-8B-Instruct';

export type Verdict =
  'ok' | 'duplicated' | 'out_of_order' | 'truncated' | 'lost' | 'failed' | 'hung';

export interface StreamCheck {
  readonly verdict: Verdict;
  readonly status: number;
  readonly text: string;
  readonly chunks: number;
  readonly finishReason?: string;
  readonly error?: string;
}

interface ChunkJson {
  choices?: { delta?: { content?: string }; finish_reason?: string | null }[];
  error?: { code?: string; message?: string };
}

/** The text a simulated agent generates for a one-message chat with this content. */
export function expectedChat(content: string, tokens: number): string {
  return simText(simTextSeed({ messages: [{ role: 'user', content }] }), tokens);
}

/** Judges a stream's text against the expected one. */
export function judge(text: string, expected: string): Verdict {
  if (text === expected) return 'ok';
  if (text.length > expected.length) return 'duplicated';
  if (expected.startsWith(text)) return 'truncated';
  return text.length === expected.length ? 'out_of_order' : 'truncated';
}

export async function streamChat(
  baseUrl: string,
  content: string,
  maxTokens: number,
  timeoutMs: number,
): Promise<StreamCheck> {
  const expected = expectedChat(content, maxTokens);
  let res: Response;
  try {
    res = await fetch(`${baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: MODEL,
        messages: [{ role: 'user', content }],
        max_tokens: maxTokens,
        ignore_eos: true,
        stream: true,
      }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    const hung = e instanceof Error && e.name === 'TimeoutError';
    return { verdict: hung ? 'hung' : 'lost', status: 0, text: '', chunks: 0, error: String(e) };
  }
  let body: string;
  try {
    body = await res.text();
  } catch (e) {
    const hung = e instanceof Error && e.name === 'TimeoutError';
    return { verdict: hung ? 'hung' : 'lost', status: res.status, text: '', chunks: 0 };
  }
  if (res.status !== 200)
    return {
      verdict: 'failed',
      status: res.status,
      text: '',
      chunks: 0,
      error: body.slice(0, 300),
    };
  const events = body.split('\n\n').filter((e) => e.startsWith('data: '));
  let text = '';
  let chunks = 0;
  let finishReason: string | undefined;
  let error: string | undefined;
  for (const e of events) {
    if (e === 'data: [DONE]') continue;
    const j = JSON.parse(e.slice(6)) as ChunkJson;
    if (j.error !== undefined) error = `${j.error.code}: ${j.error.message}`;
    const c = j.choices?.[0];
    if (c?.delta?.content !== undefined && c.delta.content !== '') {
      text += c.delta.content;
      chunks += 1;
    }
    if (c?.finish_reason != null) finishReason = c.finish_reason;
  }
  const base = { status: res.status, text, chunks, ...(finishReason ? { finishReason } : {}) };
  if (events.at(-1) !== 'data: [DONE]') return { ...base, verdict: 'lost' };
  if (error !== undefined) return { ...base, verdict: 'failed', error };
  return { ...base, verdict: finishReason === undefined ? 'truncated' : judge(text, expected) };
}

/** Verdict counts of one run, every kind listed. */
export function tally(results: readonly StreamCheck[]): Record<Verdict, number> {
  const t: Record<Verdict, number> = {
    ok: 0,
    duplicated: 0,
    out_of_order: 0,
    truncated: 0,
    lost: 0,
    failed: 0,
    hung: 0,
  };
  for (const r of results) t[r.verdict] += 1;
  return t;
}
