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
 * The provider's signing keys by `kid`, through jwks-rsa: a known kid comes from the cache; an unknown one
 * fetches the JWKS again, within a budget per minute, so a rotation needs no restart and a flood of made-up
 * kids costs the provider a few requests a minute. Failed look-ups are not cached.
 */
export class JwksKeys {
  private readonly client: JwksClient;

  constructor(private readonly options: JwksKeysOptions) {
    this.client = new JwksClient({
      jwksUri: options.url,
      cache: true,
      cacheMaxEntries: 32,
      cacheMaxAge: options.cacheMaxAgeMs ?? 10 * 60_000,
      rateLimit: true,
      jwksRequestsPerMinute: options.fetchesPerMinute ?? 10,
      // A hanging provider must not hold requests for jwks-rsa's default 30 s.
      timeout: 5000,
    });
  }

  async key(kid: string | undefined): Promise<KeyObject> {
    try {
      const signing = await this.client.getSigningKey(kid);
      return createPublicKey(signing.getPublicKey());
    } catch (err) {
      this.options.onKeyError?.(kid, err as Error);
      throw unauthenticated('invalid token');
    }
  }
}
