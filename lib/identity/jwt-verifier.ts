import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import jwt, { type Algorithm, type JwtPayload } from 'jsonwebtoken';
import { unauthenticated } from '../errors/app-error';
import { DEFAULT_CLAIM_MAPPING, principalFromClaims, type ClaimMapping } from './claim-mapping';
import { JwksKeys } from './jwks-keys';
import type { Principal } from './principal';

export interface JwtVerifierOptions {
  /** HS256 key; set only when JWT_SECRET is (or the development default applies). */
  readonly secret: string | undefined;
  /** PEM of the one RS256/ES256 key (JWT_PUBLIC_KEY). */
  readonly publicKey: string | undefined;
  /** The provider's JWKS (JWT_JWKS_URL): RS256/ES256 keys by `kid`; takes precedence over publicKey. */
  readonly jwksUrl?: string;
  readonly issuer: string | undefined;
  readonly audience: string | undefined;
  /** Longest accepted lifetime (exp − iat, or exp − now without iat), seconds; undefined = no limit. */
  readonly maxLifetimeSec?: number;
  readonly claims?: ClaimMapping;
  /** Told why a JWKS key could not be had (never the token). */
  readonly onKeyError?: (kid: string | undefined, err: Error) => void;
}

const MAX_TOKEN_CHARS = 8192;
/** Verified tokens remembered per process (a few MiB at most); the oldest is dropped first. */
const MAX_REMEMBERED_TOKENS = 10_000;

/**
 * Verifies bearer tokens with an algorithm allow-list: HS256 with the secret, RS256/ES256 with the
 * provider's JWKS (by `kid`) or the one public key. A token that verified is remembered by its exact text
 * (signature included) until its `exp`: a client repeats the same token on every request, and decoding
 * plus an HMAC or RSA check was most of a REST call's CPU. Nothing else about a token can change while it
 * is unexpired (there is no revocation list).
 */
export class JwtVerifier {
  private readonly verified = new Map<string, { principal: Principal; expiresAtMs: number }>();
  // Key objects are built once: given a string, jsonwebtoken parses it (and first tries it as a PEM) on every verify.
  private readonly secretKey: KeyObject | undefined;
  private readonly publicKey: KeyObject | undefined;
  private readonly jwks: JwksKeys | undefined;
  private readonly claims: ClaimMapping;

  constructor(private readonly options: JwtVerifierOptions) {
    if (!options.secret && !options.publicKey && !options.jwksUrl) throw new Error('JwtVerifier needs a secret, a public key or a JWKS URL');
    this.secretKey = options.secret ? createSecretKey(Buffer.from(options.secret, 'utf8')) : undefined;
    this.publicKey = options.publicKey ? createPublicKey(options.publicKey) : undefined;
    this.jwks = options.jwksUrl ? new JwksKeys({ url: options.jwksUrl, onKeyError: options.onKeyError }) : undefined;
    this.claims = options.claims ?? DEFAULT_CLAIM_MAPPING;
  }

  async verify(token: string): Promise<Principal> {
    const known = this.verified.get(token);
    if (known) {
      if (Date.now() < known.expiresAtMs) return known.principal;
      this.verified.delete(token);
    }
    const { principal, exp } = await this.verifyFully(token);
    if (this.verified.size >= MAX_REMEMBERED_TOKENS) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, { principal, expiresAtMs: exp * 1000 });
    return principal;
  }

  /** The key and algorithm a token's header asks for, if the allow-list has them. */
  private async keyFor(header: jwt.JwtHeader | undefined): Promise<{ key: KeyObject; algorithms: Algorithm[] }> {
    const alg = header?.alg;
    if (alg === 'HS256' && this.secretKey) return { key: this.secretKey, algorithms: ['HS256'] };
    if (alg === 'RS256' || alg === 'ES256') {
      if (this.jwks) return { key: await this.jwks.key(typeof header?.kid === 'string' ? header.kid : undefined), algorithms: [alg] };
      if (this.publicKey) return { key: this.publicKey, algorithms: [alg] };
    }
    throw unauthenticated('invalid token');
  }

  private async verifyFully(token: string): Promise<{ principal: Principal; exp: number }> {
    if (!token || token.length > MAX_TOKEN_CHARS) throw unauthenticated('invalid token');
    const { key, algorithms } = await this.keyFor(jwt.decode(token, { complete: true })?.header);
    let payload: JwtPayload | string;
    try {
      payload = jwt.verify(token, key, {
        algorithms,
        issuer: this.options.issuer,
        audience: this.options.audience,
      });
    } catch (err) {
      throw unauthenticated(err instanceof jwt.TokenExpiredError ? 'token expired' : 'invalid token');
    }
    if (typeof payload === 'string') throw unauthenticated('invalid token');
    // A token without exp would never expire, nor would its sessions.
    if (typeof payload.exp !== 'number') throw unauthenticated('token has no exp');
    const max = this.options.maxLifetimeSec;
    if (max !== undefined && payload.exp - (typeof payload.iat === 'number' ? payload.iat : Date.now() / 1000) > max) {
      throw unauthenticated(`token lifetime exceeds ${max} s`);
    }
    return { principal: principalFromClaims(payload, this.claims), exp: payload.exp };
  }
}
