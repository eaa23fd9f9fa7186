import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import jwt from 'jsonwebtoken';
import { startRole, type RoleProcess } from './support/child-process';
import { freePortRange } from './support/free-port';
import { TestStompClient } from './support/stomp-test-client';
import { startTestSystem, type TestSystem } from './support/test-system';
import { DEV_JWT_SECRET } from '../lib/config/secrets-section';
import { mintToken } from '../lib/identity/token-minter';

/**
 * Tokens from a real OpenID provider (oidc-provider, test/support/oidc-provider-server.mjs) verified against
 * its JWKS (JWT_JWKS_URL) with Keycloak-shaped claims mapped (realm_access.roles, preferred_username): they
 * work over REST, STOMP CONNECT and auth.refresh; a key rotation at the provider is picked up without a
 * restart; a foreign key, an HS256 token and a flood of made-up kids are refused, the flood costing the
 * provider a few JWKS requests only.
 */
const AUDIENCE = 'urn:office-hours';
const dir = mkdtempSync(path.join(os.tmpdir(), 'oh-idp-'));
let port: number;
let provider: RoleProcess | undefined;
let sys: TestSystem;

const rsa = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
const privateJwk = (key: KeyObject, kid: string, alg: string) => ({ ...key.export({ format: 'jwk' }), kid, alg, use: 'sig' });

async function startProvider(keys: object[]): Promise<void> {
  await provider?.kill('SIGTERM');
  const file = path.join(dir, `jwks-${randomUUID()}.json`);
  writeFileSync(file, JSON.stringify({ keys }));
  provider = startRole('test/support/oidc-provider-server.mjs', { PATH: process.env['PATH'], NODE_ENV: 'test' }, [String(port), file]);
  await provider.waitForLog((l) => l['msg'] === 'provider listening', 30_000);
}

const jwksRequests = () => provider!.logs.filter((l) => l['msg'] === 'jwks served').length;

/** An access token from the provider's token endpoint (client credentials; the client id is the sub). */
async function providerToken(clientId: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', connection: 'close' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: `secret-${clientId}`,
      resource: AUDIENCE,
      scope: 'chat',
    }),
  });
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`token endpoint: ${res.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

const kidOf = (token: string) => (jwt.decode(token, { complete: true })?.header.kid as string | undefined) ?? '';
const status = async (token: string) => (await sys.http('GET', '/api/consultation/active', { token })).status;

const rsaFirst = rsa();
const ecFirst = ec();

beforeAll(async () => {
  port = await freePortRange(1);
  await startProvider([privateJwk(rsaFirst.privateKey, 'rsa-1', 'RS256'), privateJwk(ecFirst.privateKey, 'ec-1', 'ES256')]);
  // The gateway learns the JWKS address from the provider's discovery document, as an operator would.
  const discovery = (await (await fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`, { headers: { connection: 'close' } })).json()) as {
    issuer: string;
    jwks_uri: string;
  };
  sys = await startTestSystem({
    JWT_SECRET: '',
    JWT_JWKS_URL: discovery.jwks_uri,
    JWT_ISSUER: discovery.issuer,
    JWT_AUDIENCE: AUDIENCE,
    JWT_ROLE_CLAIM: 'realm_access.roles',
    JWT_ROLE_MAP: 'faculty:PROFESSOR,student:STUDENT',
    JWT_NAME_CLAIM: 'preferred_username',
  });
}, 60_000);

afterAll(async () => {
  await sys?.close();
  await provider?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

it('accepts the provider’s RS256 and ES256 tokens over REST with mapped roles and names', async () => {
  const student = await providerToken('kim-student');
  const professor = await providerToken('lee-faculty');
  expect(jwt.decode(professor, { complete: true })?.header.alg).toBe('ES256');
  expect(await status(professor)).toBe(200);
  const created = await sys.http('POST', '/api/consultation/request', {
    token: student,
    body: { professorId: 'lee-faculty', title: 'Midterm', content: 'Problem 3?' },
  });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ studentId: 'kim-student', studentName: 'kim', professorName: 'lee' });
  // A professor route with the student's token: the mapped role is STUDENT only.
  expect((await sys.http('GET', '/api/consultation/received', { token: student })).status).toBe(403);
  // Unmapped provider roles count for nothing, even one spelled like ours: refused.
  expect(await status(await providerToken('pat-staff'))).toBe(401);
});

it('accepts the provider’s tokens on STOMP CONNECT and auth.refresh', async () => {
  const c = await TestStompClient.connect(sys.gateway.port, await providerToken('kim-student'));
  expect(c.connectedHeaders['user-name']).toBe('kim-student');
  const receipt = await c.publishWithReceipt('/app/auth.refresh', '', { Authorization: `Bearer ${await providerToken('kim-student')}` });
  expect(Number(receipt['session-expires'])).toBeGreaterThan(Date.now());
  await expect(c.publishWithReceipt('/app/auth.refresh', '', { Authorization: `Bearer ${await providerToken('lee-faculty')}` })).rejects.toThrow(
    /UNAUTHENTICATED/,
  );
  await c.close();
  await expect(TestStompClient.connect(sys.gateway.port, await providerToken('pat-staff'))).rejects.toThrow(/UNAUTHENTICATED/);
});

it('refuses HS256 (no explicit JWT_SECRET, the development secret included) and a foreign key under a known kid', async () => {
  expect(await status(sys.token('kim-student', 'STUDENT'))).toBe(401);
  expect(await status(mintToken(DEV_JWT_SECRET, { sub: 'kim-student', name: 'kim', roles: ['STUDENT'] }))).toBe(401);
  const claims = { sub: 'kim-student', realm_access: { roles: ['student'] } };
  const opts = { issuer: `http://127.0.0.1:${port}`, audience: AUDIENCE, expiresIn: 600 };
  const foreign = jwt.sign(claims, rsa().privateKey, { ...opts, algorithm: 'RS256', keyid: 'rsa-1' });
  expect(await status(foreign)).toBe(401);
  const c = TestStompClient.connect(sys.gateway.port, foreign);
  await expect(c).rejects.toThrow(/UNAUTHENTICATED/);
  // The provider's own key still works the same way (the refusal was the key, not the claims).
  expect(await status(jwt.sign(claims, rsaFirst.privateKey, { ...opts, algorithm: 'RS256', keyid: 'rsa-1' }))).toBe(200);
});

it('picks up a key rotation at the provider without a restart', async () => {
  const before = await providerToken('kim-student');
  expect(kidOf(before)).toBe('rsa-1');
  const rotated = rsa();
  // The new key first (the provider signs with it); the old one still published for tokens in flight.
  await startProvider([
    privateJwk(rotated.privateKey, 'rsa-2', 'RS256'),
    privateJwk(rsaFirst.privateKey, 'rsa-1', 'RS256'),
    privateJwk(ecFirst.privateKey, 'ec-1', 'ES256'),
  ]);
  const after = await providerToken('kim-student');
  expect(kidOf(after)).toBe('rsa-2');
  expect(await status(after)).toBe(200);
  expect(jwksRequests()).toBe(1);
  expect(await status(before)).toBe(200);
  const c = await TestStompClient.connect(sys.gateway.port, await providerToken('kim-student'));
  await c.close();
});

it('answers a flood of unknown kids with refusals and a handful of JWKS requests', async () => {
  const before = jwksRequests();
  const attacker = rsa().privateKey;
  const tokens = Array.from({ length: 100 }, (_, i) =>
    jwt.sign({ sub: `x${i}`, realm_access: { roles: ['student'] } }, attacker, { algorithm: 'RS256', keyid: `made-up-${i}`, expiresIn: 600 }),
  );
  const outcomes = await Promise.allSettled(tokens.map((t) => sys.core.verifier.verify(t)));
  expect(outcomes.every((o) => o.status === 'rejected')).toBe(true);
  const fetched = jwksRequests() - before;
  // jwks-rsa's budget: 10 fetches a minute (a burst of 10), whatever the flood.
  expect(fetched).toBeLessThanOrEqual(10);
  // Known kids still verify from the cache meanwhile, over REST too.
  expect(await status(await providerToken('lee-faculty'))).toBe(200);
  expect(await status(tokens[0]!)).toBe(401);
}, 30_000);
