import { BadFieldError } from '@adagen/fleet';
import { AdagenError } from '@adagen/protocol';
import { describe, expect, it } from 'vitest';
import { generationOf, parseEngineRequest } from './request.js';

const base = { model: 'm', prompt: 'hello', max_tokens: 1 };

function param(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof BadFieldError) return e.param;
    throw e;
  }
  return undefined;
}

describe('engine server requests and the NixlConnector fields', () => {
  it('a prefill leg: do_remote_decode, max_tokens 1, not streamed', () => {
    const r = parseEngineRequest('completions', {
      ...base,
      kv_transfer_params: { do_remote_decode: true, do_remote_prefill: false },
    });
    expect(r.leg).toEqual({ kind: 'prefill' });
  });

  it('a prefill leg asking for more than one token, or streamed, is refused naming the field', () => {
    const leg = { kv_transfer_params: { do_remote_decode: true } };
    expect(param(() => parseEngineRequest('completions', { ...base, ...leg, max_tokens: 4 }))).toBe(
      'max_tokens',
    );
    expect(param(() => parseEngineRequest('completions', { ...base, ...leg, stream: true }))).toBe(
      'stream',
    );
  });

  it('a decode leg needs the prefill leg’s params: engine id, blocks, host, port', () => {
    const params = {
      do_remote_prefill: true,
      do_remote_decode: false,
      remote_engine_id: 'e0',
      remote_block_ids: [0, 1],
      remote_host: '10.0.0.1',
      remote_port: 5600,
      tp_size: 1,
      extra_field: 'kept',
    };
    const r = parseEngineRequest('completions', {
      ...base,
      max_tokens: 8,
      kv_transfer_params: params,
    });
    expect(r.leg).toEqual({ kind: 'decode', params });
    const { remote_host: _, ...missing } = params;
    expect(
      param(() => parseEngineRequest('completions', { ...base, kv_transfer_params: missing })),
    ).toBe('kv_transfer_params.remote_host');
  });

  it('bad kv_transfer_params types and contradictions are 400s naming the field', () => {
    expect(
      param(() =>
        parseEngineRequest('completions', {
          ...base,
          kv_transfer_params: { do_remote_decode: 'yes' },
        }),
      ),
    ).toBe('kv_transfer_params.do_remote_decode');
    expect(
      param(() =>
        parseEngineRequest('completions', {
          ...base,
          kv_transfer_params: { do_remote_decode: true, do_remote_prefill: true },
        }),
      ),
    ).toBe('kv_transfer_params');
    expect(
      param(() => parseEngineRequest('completions', { ...base, kv_transfer_params: [1] })),
    ).toBe('kv_transfer_params');
  });

  it('unknown fields and features not offered are refused, as the gateway does', () => {
    expect(param(() => parseEngineRequest('completions', { ...base, bootstrap_room: 1 }))).toBe(
      'bootstrap_room',
    );
    expect(param(() => parseEngineRequest('completions', { ...base, echo: true }))).toBe('echo');
  });

  it('context: prompt + max_tokens over the context is context_length_exceeded; absent max_tokens fills it', () => {
    const r = parseEngineRequest('completions', { model: 'm', prompt: 'x' }).request;
    const g = generationOf('id', r, { backend: 'sim', maxContextTokens: 100, promptTokens: 30 });
    expect(g.maxTokens).toBe(70);
    const big = parseEngineRequest('completions', { ...base, max_tokens: 71 }).request;
    expect(() =>
      generationOf('id', big, { backend: 'sim', maxContextTokens: 100, promptTokens: 30 }),
    ).toThrow(AdagenError);
  });

  it('llama.cpp refuses sampling fields it does not offer; ignore_eos runs to max_tokens', () => {
    const r = parseEngineRequest('completions', { ...base, max_tokens: 5, min_p: 0.1 }).request;
    expect(
      param(() =>
        generationOf('id', r, { backend: 'llama', maxContextTokens: 512, promptTokens: 3 }),
      ),
    ).toBe('min_p');
    const e = parseEngineRequest('completions', {
      ...base,
      max_tokens: 5,
      ignore_eos: true,
    }).request;
    expect(
      generationOf('id', e, { backend: 'llama', maxContextTokens: 512, promptTokens: 3 }),
    ).toMatchObject({ maxTokens: 5, ignoreEos: true });
  });
});
