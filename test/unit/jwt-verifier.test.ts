import jwt from 'jsonwebtoken';
import { AppError } from '../../lib/errors/app-error';
import { JwtVerifier } from '../../lib/identity/jwt-verifier';
import { badTokens, rsaKeyPair } from '../support/tokens';
import { TEST_JWT_SECRET } from '../support/test-system';

const hs = new JwtVerifier({ secret: TEST_JWT_SECRET, publicKey: undefined, issuer: undefined, audience: undefined });
const sign = (claims: object, opts: jwt.SignOptions = {}) => jwt.sign(claims, TEST_JWT_SECRET, { expiresIn: 600, ...opts });

const code = async (verify: () => Promise<unknown>) => {
  try {
    await verify();
    return 'ok';
  } catch (err) {
    return err instanceof AppError ? err.code : 'other';
  }
};

describe('JwtVerifier', () => {
  it('accepts HS256 with roles or role, with or without ROLE_', async () => {
    const p = await hs.verify(sign({ sub: 'u1', name: 'Kim', roles: ['ROLE_STUDENT', 'admin'] }));
    expect(p.userId).toBe('u1');
    expect([...p.roles].sort()).toEqual(['ADMIN', 'STUDENT']);
    expect((await hs.verify(sign({ sub: 'u2', role: 'ROLE_PROFESSOR' }))).roles.has('PROFESSOR')).toBe(true);
    expect((await hs.verify(sign({ sub: 'u2', role: 'PROFESSOR' }))).name).toBe('u2');
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
  ])('refuses %s', async (_name, token) => {
    expect(await code(() => hs.verify(token))).toBe('UNAUTHENTICATED');
  });

  it('remembers a verified token until its exp, and never a refused one', async () => {
    const v = new JwtVerifier({ secret: TEST_JWT_SECRET, publicKey: undefined, issuer: undefined, audience: undefined });
    const token = sign({ sub: 'u1', roles: ['STUDENT'] }, { expiresIn: 60 });
    const first = await v.verify(token);
    expect(await v.verify(token)).toBe(first);
    jest.useFakeTimers({ now: Date.now() + 61_000 });
    try {
      expect(await code(() => v.verify(token))).toBe('UNAUTHENTICATED');
    } finally {
      jest.useRealTimers();
    }
    // A forged token with a remembered payload but another signature is checked in full.
    const forged = `${token.slice(0, token.lastIndexOf('.'))}.${'A'.repeat(43)}`;
    expect(await code(() => v.verify(forged))).toBe('UNAUTHENTICATED');
    expect(await code(() => v.verify(forged))).toBe('UNAUTHENTICATED');
  });

  it('refuses tokens that live longer than the configured maximum', async () => {
    const v = new JwtVerifier({ secret: TEST_JWT_SECRET, publicKey: undefined, issuer: undefined, audience: undefined, maxLifetimeSec: 3600 });
    expect(await code(() => v.verify(sign({ sub: 'u', roles: ['STUDENT'] }, { expiresIn: 3600 })))).toBe('ok');
    expect(await code(() => v.verify(sign({ sub: 'u', roles: ['STUDENT'] }, { expiresIn: 7200 })))).toBe('UNAUTHENTICATED');
    expect(await code(() => v.verify(sign({ sub: 'u', roles: ['STUDENT'] }, { expiresIn: 7200, noTimestamp: true })))).toBe('UNAUTHENTICATED');
  });

  it('checks issuer and audience when configured', async () => {
    const v = new JwtVerifier({ secret: TEST_JWT_SECRET, publicKey: undefined, issuer: 'idp', audience: 'oh' });
    expect(await code(() => v.verify(sign({ sub: 'u', role: 'STUDENT' }, { issuer: 'idp', audience: 'oh' })))).toBe('ok');
    expect(await code(() => v.verify(sign({ sub: 'u', role: 'STUDENT' }, { issuer: 'evil', audience: 'oh' })))).toBe('UNAUTHENTICATED');
    expect(await code(() => v.verify(sign({ sub: 'u', role: 'STUDENT' }, { issuer: 'idp', audience: 'x' })))).toBe('UNAUTHENTICATED');
  });

  it('verifies RS256 with the public key and refuses an HS256 token forged with that key', async () => {
    const { publicKey, privateKey } = rsaKeyPair();
    const v = new JwtVerifier({ secret: undefined, publicKey, issuer: undefined, audience: undefined });
    const good = jwt.sign({ sub: 'u', role: 'STUDENT' }, privateKey, { algorithm: 'RS256', expiresIn: 60 });
    expect((await v.verify(good)).userId).toBe('u');
    const forged = jwt.sign({ sub: 'u', role: 'ADMIN' }, publicKey, { algorithm: 'HS256' });
    expect(await code(() => v.verify(forged))).toBe('UNAUTHENTICATED');
  });

  it('maps roles from a claim path and reads the name from the configured claim', async () => {
    const v = new JwtVerifier({
      secret: TEST_JWT_SECRET,
      publicKey: undefined,
      issuer: undefined,
      audience: undefined,
      claims: { roleClaim: 'realm_access.roles', roleMap: new Map([['faculty', 'PROFESSOR' as const]]), nameClaim: 'preferred_username' },
    });
    const p = await v.verify(sign({ sub: 'k1', preferred_username: 'lee', name: 'ignored', realm_access: { roles: ['offline_access', 'faculty'] } }));
    expect(p).toMatchObject({ userId: 'k1', name: 'lee' });
    expect([...p.roles]).toEqual(['PROFESSOR']);
    // With a map, a contract role name that the map does not name is not a role.
    expect(await code(() => v.verify(sign({ sub: 'k2', roles: ['ADMIN'], realm_access: { roles: ['ADMIN', 'staff'] } })))).toBe('UNAUTHENTICATED');
  });
});
