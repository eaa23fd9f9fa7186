import { createPublicKey, type KeyObject } from 'node:crypto';
import { JwksClient } from 'jwks-rsa';
import { unauthenticated } from '../errors/app-error';

export interface JwksKeysOptions {
  /** The provider's JWKS (an OIDC issuer's `jwks_uri`). */
  readonly url: string;
  /** Fetches of the JWKS per minute, at most (a burst of this many, then this rate). */
  readonly fetchesPerMinute?: number;
  /** How long a fetched key is trusted without asking again (a key the provider dropped works this long). */
  readonly cacheMaxAgeMs?: number;
  /** Told why a key could not be had (the provider unreachable, the fetch budget spent, an unknown kid). */
  readonly onKeyError?: (kid: string | undefined, err: Error) => void;
}

/**
 * The provider's signing keys by `kid`, through jwks-rsa: a known kid comes from its cache; an unknown one
 * fetches the JWKS again, so a rotation needs no restart. Fetches for unknown kids are budgeted here, and
 * past the budget refused at once (jwks-rsa's own limiter queues callers until tokens drip in, which held a
 * flood of made-up kids for minutes), so a flood costs the provider a few requests a minute.
 */
export class JwksKeys {
  private readonly client: JwksClient;
  private readonly known = new Map<string, { key: KeyObject; until: number }>();
  private readonly pending = new Map<string, Promise<KeyObject>>();
  private fetches: number[] = [];
  private readonly maxAgeMs: number;

  constructor(private readonly options: JwksKeysOptions) {
    this.maxAgeMs = options.cacheMaxAgeMs ?? 10 * 60_000;
    this.client = new JwksClient({
      jwksUri: options.url,
      // Our own cache (`known`) decides when to ask; jwks-rsa's would answer a known kid we mean to re-fetch.
      cache: false,
      // A hanging provider must not hold requests for jwks-rsa's default 30 s.
      timeout: 5000,
    });
  }

  async key(kid: string | undefined): Promise<KeyObject> {
    const id = kid ?? '';
    const hit = this.known.get(id);
    if (hit && Date.now() < hit.until) return hit.key;
    let loading = this.pending.get(id);
    if (!loading) {
      loading = this.fetch(kid).finally(() => this.pending.delete(id));
      this.pending.set(id, loading);
    }
    return loading;
  }

  private async fetch(kid: string | undefined): Promise<KeyObject> {
    try {
      const now = Date.now();
      this.fetches = this.fetches.filter((t) => now - t < 60_000);
      if (this.fetches.length >= (this.options.fetchesPerMinute ?? 10)) throw new Error('JWKS fetch budget spent for this minute');
      this.fetches.push(now);
      const key = createPublicKey((await this.client.getSigningKey(kid)).getPublicKey());
      if (this.known.size >= 64) this.known.delete(this.known.keys().next().value!);
      this.known.set(kid ?? '', { key, until: now + this.maxAgeMs });
      return key;
    } catch (err) {
      this.options.onKeyError?.(kid, err as Error);
      throw unauthenticated('invalid token');
    }
  }
}
