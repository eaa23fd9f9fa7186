import jwt from 'jsonwebtoken';
import { AppError } from '../../lib/errors/app-error';
import { JwtVerifier } from '../../lib/identity/jwt-verifier';
import { badTokens, rsaKeyPair } from '../support/tokens';
import { TEST_JWT_SECRET } from '../support/test-system';

const hs = new JwtVerifier({ secret: TEST_JWT_SECRET, publicKey: undefined, issuer: undefined, audience: undefined });
const sign = (claims: object, opts: jwt.SignOptions = {}) => jwt.sign(claims, TEST_JWT_SECRET, { expiresIn: 600, ...opts });

const code = (fn: () => unknown) => {
  try {
    fn();
    return 'ok';
  } catch (err) {
    return err instanceof AppError ? err.code : 'other';
  }
};

describe('JwtVerifier', () => {
  it('accepts HS256 with roles or role, with or without ROLE_', () => {
    const p = hs.verify(sign({ sub: 'u1', name: 'Kim', roles: ['ROLE_STUDENT', 'admin'] }));
    expect(p.userId).toBe('u1');
    expect([...p.roles].sort()).toEqual(['ADMIN', 'STUDENT']);
    expect(hs.verify(sign({ sub: 'u2', role: 'ROLE_PROFESSOR' })).roles.has('PROFESSOR')).toBe(true);
    expect(hs.verify(sign({ sub: 'u2', role: 'PROFESSOR' })).name).toBe('u2');
  });

  it.each([
    ['expired', badTokens.expired()],
    ['alg none', badTokens.algNone()],
    ['wrong key', badTokens.wrongKey()],
    ['garbage', 'not.a.token'],
    ['empty', ''],
    ['no role', sign({ sub: 'u1', roles: ['JANITOR'] })],
    ['no sub', sign({ roles: ['STUDENT'] })],
    ['HS384', jwt.sign({ sub: 'u', roles: ['STUDENT'] }, TEST_JWT_SECRET, { algorithm: 'HS384' })],
    ['no exp', jwt.sign({ sub: 'u', roles: ['STUDENT'] }, TEST_JWT_SECRET)],
    ['a newline in sub', sign({ sub: 'u\nuser-name:admin', roles: ['STUDENT'] })],
  ])('refuses %s', (_name, token) => {
    expect(code(() => hs.verify(token))).toBe('UNAUTHENTICATED');
  });

  it('remembers a verified token until its exp, and never a refused one', () => {
    const v = new JwtVerifier({ secret: TEST_JWT_SECRET, publicKey: undefined, issuer: undefined, audience: undefined });
    const token = sign({ sub: 'u1', roles: ['STUDENT'] }, { expiresIn: 60 });
    const first = v.verify(token);
    expect(v.verify(token)).toBe(first);
    jest.useFakeTimers({ now: Date.now() + 61_000 });
    try {
      expect(code(() => v.verify(token))).toBe('UNAUTHENTICATED');
    } finally {
      jest.useRealTimers();
    }
    // A forged token with a remembered payload but another signature is checked in full.
    const forged = `${token.slice(0, token.lastIndexOf('.'))}.${'A'.repeat(43)}`;
    expect(code(() => v.verify(forged))).toBe('UNAUTHENTICATED');
    expect(code(() => v.verify(forged))).toBe('UNAUTHENTICATED');
  });

  it('refuses tokens that live longer than the configured maximum', () => {
    const v = new JwtVerifier({ secret: TEST_JWT_SECRET, publicKey: undefined, issuer: undefined, audience: undefined, maxLifetimeSec: 3600 });
    expect(code(() => v.verify(sign({ sub: 'u', roles: ['STUDENT'] }, { expiresIn: 3600 })))).toBe('ok');
    expect(code(() => v.verify(sign({ sub: 'u', roles: ['STUDENT'] }, { expiresIn: 7200 })))).toBe('UNAUTHENTICATED');
    expect(code(() => v.verify(sign({ sub: 'u', roles: ['STUDENT'] }, { expiresIn: 7200, noTimestamp: true })))).toBe('UNAUTHENTICATED');
  });

  it('checks issuer and audience when configured', () => {
    const v = new JwtVerifier({ secret: TEST_JWT_SECRET, publicKey: undefined, issuer: 'idp', audience: 'oh' });
    expect(code(() => v.verify(sign({ sub: 'u', role: 'STUDENT' }, { issuer: 'idp', audience: 'oh' })))).toBe('ok');
    expect(code(() => v.verify(sign({ sub: 'u', role: 'STUDENT' }, { issuer: 'evil', audience: 'oh' })))).toBe('UNAUTHENTICATED');
    expect(code(() => v.verify(sign({ sub: 'u', role: 'STUDENT' }, { issuer: 'idp', audience: 'x' })))).toBe('UNAUTHENTICATED');
  });

  it('verifies RS256 with the public key and refuses an HS256 token forged with that key', () => {
    const { publicKey, privateKey } = rsaKeyPair();
    const v = new JwtVerifier({ secret: undefined, publicKey, issuer: undefined, audience: undefined });
    const good = jwt.sign({ sub: 'u', role: 'STUDENT' }, privateKey, { algorithm: 'RS256', expiresIn: 60 });
    expect(v.verify(good).userId).toBe('u');
    const forged = jwt.sign({ sub: 'u', role: 'ADMIN' }, publicKey, { algorithm: 'HS256' });
    expect(code(() => v.verify(forged))).toBe('UNAUTHENTICATED');
  });
});
