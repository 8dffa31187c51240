/**
 * API keys and per-key rate limits. Keys are optional (off unless keys are configured): when on,
 * every `/v1/*` request must carry `Authorization: Bearer <key>`. Keys are held only as SHA-256
 * digests and looked up by digest, so a wrong key costs the same whatever its prefix. Each key
 * (or, with keys off, all clients together) has a token bucket: `ratePerS` requests per second
 * with bursts of `burst`; an empty bucket answers 429 `rate_limited` with the time until the next
 * token as `Retry-After`.
 */
import { createHash } from 'node:crypto';
import { AdagenError } from '@adagen/protocol';

export interface ApiKey {
  /** Shown in logs and metrics instead of the key. */
  readonly name: string;
  readonly key: string;
  /** Overrides the gateway's per-key rate (requests per second; 0 = unlimited). */
  readonly ratePerS?: number;
  readonly burst?: number;
}

/**
 * Parses a keys file: one key per line, `<key> [name] [ratePerS] [burst]`, blank lines and `#`
 * comments ignored. @throws Error naming the line when a field is malformed.
 */
export function parseKeysFile(text: string): ApiKey[] {
  const keys: ApiKey[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const [key, name, rate, burst] = line.split(/\s+/);
    const where = `api keys file line ${i + 1}`;
    if (key === undefined || key.length < 8)
      throw new Error(`${where}: expected a key of at least 8 characters`);
    const num = (v: string | undefined, what: string) => {
      if (v === undefined) return undefined;
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0)
        throw new Error(`${where}: ${what}: expected a number >= 0, got "${v}"`);
      return n;
    };
    const ratePerS = num(rate, 'ratePerS');
    const b = num(burst, 'burst');
    keys.push({
      key,
      name: name ?? `key-${keys.length + 1}`,
      ...(ratePerS === undefined ? {} : { ratePerS }),
      ...(b === undefined ? {} : { burst: b }),
    });
  });
  return keys;
}

/** Keys from `ADAGEN_API_KEYS` (comma-separated), named `env-1`, `env-2`, … */
export function keysFromList(list: readonly string[]): ApiKey[] {
  return list.filter((k) => k !== '').map((key, i) => ({ key, name: `env-${i + 1}` }));
}

/** A token bucket in wall ms. */
export class TokenBucket {
  private tokens: number;
  private atMs: number;

  constructor(
    private readonly ratePerS: number,
    private readonly burst: number,
    nowMs: number,
  ) {
    this.tokens = burst;
    this.atMs = nowMs;
  }

  /** Takes one token; returns 0 when granted, else the ms until one is available. */
  take(nowMs: number): number {
    this.tokens = Math.min(this.burst, this.tokens + ((nowMs - this.atMs) * this.ratePerS) / 1000);
    this.atMs = nowMs;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return ((1 - this.tokens) * 1000) / this.ratePerS;
  }
}

export interface AuthOptions {
  readonly keys: readonly ApiKey[];
  /** Requests per second per key (or for everyone when no keys are set); 0 = no limit. */
  readonly ratePerS: number;
  readonly burst: number;
}

const digest = (key: string) => createHash('sha256').update(key).digest('hex');

export class Gatekeeper {
  private readonly byDigest = new Map<string, ApiKey>();
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly o: AuthOptions) {
    for (const k of o.keys) this.byDigest.set(digest(k.key), k);
  }

  get keysRequired(): boolean {
    return this.byDigest.size > 0;
  }

  /**
   * Who is calling (the key's name, or `anonymous` with keys off).
   * @throws AdagenError `unauthorized` (401) when keys are on and the header is missing or wrong.
   */
  authenticate(authorization: string | undefined): ApiKey | undefined {
    if (!this.keysRequired) return undefined;
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (m?.[1] === undefined)
      throw new AdagenError(
        'unauthorized',
        'missing API key: send the header "Authorization: Bearer <key>"',
      );
    const found = this.byDigest.get(digest(m[1]));
    if (found === undefined) throw new AdagenError('unauthorized', 'invalid API key');
    return found;
  }

  /** @throws AdagenError `rate_limited` (429, with `retryAfterMs`) when the caller's bucket is empty. */
  admit(caller: ApiKey | undefined, nowMs: number): void {
    const ratePerS = caller?.ratePerS ?? this.o.ratePerS;
    if (ratePerS <= 0) return;
    const name = caller?.name ?? 'anonymous';
    let bucket = this.buckets.get(name);
    if (bucket === undefined) {
      bucket = new TokenBucket(ratePerS, Math.max(1, caller?.burst ?? this.o.burst), nowMs);
      this.buckets.set(name, bucket);
    }
    const waitMs = bucket.take(nowMs);
    if (waitMs > 0)
      throw new AdagenError(
        'rate_limited',
        `rate limit of ${name}: ${ratePerS} requests/s exceeded; retry in ${Math.ceil(waitMs)} ms`,
        { retryAfterMs: waitMs },
      );
  }
}
