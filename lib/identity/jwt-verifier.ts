import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import jwt, { type Algorithm, type JwtPayload } from 'jsonwebtoken';
import { AppError, unauthenticated } from '../errors/app-error';
import type { Principal } from './principal';
import { normalizeRole, type Role } from './roles';

export interface JwtVerifierOptions {
  readonly secret: string | undefined;
  readonly publicKey: string | undefined;
  readonly issuer: string | undefined;
  readonly audience: string | undefined;
  /** Longest accepted lifetime (exp − iat, or exp − now without iat), seconds; undefined = no limit. */
  readonly maxLifetimeSec?: number;
}

const MAX_TOKEN_CHARS = 8192;
/** Verified tokens remembered per process (a few MiB at most); the oldest is dropped first. */
const MAX_REMEMBERED_TOKENS = 10_000;

/**
 * Verifies bearer tokens with an algorithm allow-list: HS256 with the secret, RS256/ES256 with the public key.
 * A token that verified is remembered by its exact text (signature included) until its `exp`: a client
 * repeats the same token on every request, and decoding plus an HMAC or RSA check was most of a REST call's
 * CPU. Nothing else about a token can change while it is unexpired (there is no revocation list).
 */
export class JwtVerifier {
  private readonly verified = new Map<string, { principal: Principal; expiresAtMs: number }>();
  // Key objects are built once: given a string, jsonwebtoken parses it (and first tries it as a PEM) on every verify.
  private readonly secretKey: KeyObject | undefined;
  private readonly publicKey: KeyObject | undefined;

  constructor(private readonly options: JwtVerifierOptions) {
    if (!options.secret && !options.publicKey) throw new Error('JwtVerifier needs a secret or a public key');
    this.secretKey = options.secret ? createSecretKey(Buffer.from(options.secret, 'utf8')) : undefined;
    this.publicKey = options.publicKey ? createPublicKey(options.publicKey) : undefined;
  }

  verify(token: string): Principal {
    const known = this.verified.get(token);
    if (known) {
      if (Date.now() < known.expiresAtMs) return known.principal;
      this.verified.delete(token);
    }
    const { principal, exp } = this.verifyFully(token);
    if (this.verified.size >= MAX_REMEMBERED_TOKENS) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, { principal, expiresAtMs: exp * 1000 });
    return principal;
  }

  private verifyFully(token: string): { principal: Principal; exp: number } {
    if (!token || token.length > MAX_TOKEN_CHARS) throw unauthenticated('invalid token');
    const header = jwt.decode(token, { complete: true })?.header;
    const alg = header?.alg;
    let key: KeyObject;
    let algorithms: Algorithm[];
    if (alg === 'HS256' && this.secretKey) {
      key = this.secretKey;
      algorithms = ['HS256'];
    } else if ((alg === 'RS256' || alg === 'ES256') && this.publicKey) {
      key = this.publicKey;
      algorithms = [alg];
    } else {
      throw unauthenticated('invalid token');
    }
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
    return { principal: principalFromClaims(payload), exp: payload.exp };
  }
}

// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
const CONTROL_CHARS_ALL = new RegExp(CONTROL_CHARS.source, 'g');

function principalFromClaims(claims: JwtPayload): Principal {
  const sub = claims.sub;
  // Control characters in an id would end up in headers (CONNECTED user-name) and logs.
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > 128 || CONTROL_CHARS.test(sub)) throw unauthenticated('token has no usable sub');
  const rawRoles: unknown[] = Array.isArray(claims.roles) ? claims.roles : [claims.role];
  const roles = new Set<Role>();
  for (const r of rawRoles) {
    const role = normalizeRole(r);
    if (role) roles.add(role);
  }
  if (roles.size === 0) throw new AppError('UNAUTHENTICATED', 'token carries no known role');
  const name = typeof claims.name === 'string' && claims.name.trim() ? claims.name.replace(CONTROL_CHARS_ALL, ' ').trim().slice(0, 200) || sub : sub;
  return {
    userId: sub,
    name,
    roles,
    expiresAt: typeof claims.exp === 'number' ? claims.exp * 1000 : undefined,
  };
}
