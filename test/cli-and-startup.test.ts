import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { JwtVerifier } from '../lib/identity/jwt-verifier';
import { startTestSystem, TEST_JWT_SECRET, type TestSystem } from './support/test-system';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..');
const script = (entry: string, args: string[], env: NodeJS.ProcessEnv) =>
  run(process.execPath, ['--import', 'tsx', path.join(ROOT, entry), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env, LOG_PRETTY: '0' },
    timeout: 30_000,
  }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

let sys: TestSystem;
const dir = mkdtempSync(path.join(os.tmpdir(), 'oh-cli-'));
beforeAll(async () => {
  sys = await startTestSystem();
});
afterAll(async () => {
  await sys.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('npm run token', () => {
  it('mints a token the gateway accepts, with ROLE_ prefixes and several roles', async () => {
    const r = await script('scripts/token.ts', ['--sub', 'p9', '--name', 'Dr. Nine', '--role', 'ROLE_PROFESSOR', '--role', 'ADMIN'], {
      JWT_SECRET: TEST_JWT_SECRET,
    });
    expect(r.code).toBe(0);
    const p = await new JwtVerifier({ secret: TEST_JWT_SECRET, publicKey: undefined, issuer: undefined, audience: undefined }).verify(r.stdout.trim());
    expect(p).toMatchObject({ userId: 'p9', name: 'Dr. Nine' });
    expect([...p.roles].sort()).toEqual(['ADMIN', 'PROFESSOR']);
    expect((await sys.http('GET', '/api/consultation/received', { token: r.stdout.trim() })).status).toBe(200);
  });

  it('explains its usage when arguments are missing', async () => {
    const r = await script('scripts/token.ts', ['--name', 'x'], { JWT_SECRET: TEST_JWT_SECRET });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/usage: npm run token/);
    const bad = await script('scripts/token.ts', ['--bogus'], { JWT_SECRET: TEST_JWT_SECRET });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^Unknown option '--bogus'\nusage: npm run token/);
    expect(bad.stderr).not.toMatch(/\bat /);
    const help = await script('scripts/token.ts', ['--help'], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: npm run token/);
  });
});

describe('npm run users:import', () => {
  it('upserts users from a CSV and skips bad lines with a message', async () => {
    const file = path.join(dir, 'users.csv');
    writeFileSync(file, 'id,name,role\nprof-a,Professor A,PROFESSOR\nstud-b,Student B,ROLE_STUDENT\n,No Id,STUDENT\nbad-role,X,JANITOR\n');
    const r = await script('scripts/users-import.ts', [file], { DATABASE_URL: sys.config.databaseUrl });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/line 4/);
    expect(r.stderr).toMatch(/line 5/);
    const rows = await sys.db.knex('users').whereIn('id', ['prof-a', 'stud-b', 'bad-role']).orderBy('id');
    expect(rows.map((u) => [u.id, u.name, u.role])).toEqual([
      ['prof-a', 'Professor A', 'PROFESSOR'],
      ['stud-b', 'Student B', 'STUDENT'],
    ]);
    // The imported professor can now receive requests.
    const res = await sys.http('POST', '/api/consultation/request', {
      token: sys.token('s1', 'STUDENT'),
      body: { professorId: 'prof-a', title: 't', content: 'c' },
    });
    expect(res.status).toBe(201);
  });
});

describe('--help on every script', () => {
  // Nothing to connect to: help must not need PostgreSQL, Redis or S3 (the addresses point at closed ports).
  const unreachable = { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/office_hours', REDIS_URL: 'redis://127.0.0.1:1', MINIO_ENDPOINT: 'http://127.0.0.1:1' };
  it.each([
    ['scripts/start-all.ts', /^usage: npm start\n/],
    ['scripts/migrate.ts', /^usage: npm run migrate\n/],
    ['scripts/retention.ts', /^usage: npm run retention -- --dry-run \| --now\n/],
    ['scripts/users-import.ts', /^usage: npm run users:import -- users\.csv\n/],
    ['scripts/token.ts', /^usage: npm run token -- --sub/],
  ])('%s --help prints its usage and exits 0 without connecting', async (entry, usage) => {
    for (const flag of ['--help', '-h']) {
      const r = await script(entry, [flag], unreachable);
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
      expect(r.stdout).toMatch(usage);
    }
    const bad = await script(entry, ['--no-such-option'], unreachable);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^Unknown option '--no-such-option'.*\nusage: /);
    expect(bad.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/); // no stack trace
  });
});

describe('start-up with a service down', () => {
  it('migrate says in one line that PostgreSQL is unreachable, with the fix', async () => {
    const r = await script('scripts/migrate.ts', [], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/office_hours' });
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/PostgreSQL is not reachable at postgres:\/\/postgres@127\.0\.0\.1:1\/office_hours .*pg_ctlcluster/);
  });

  it('the gateway says in one line that Redis is unreachable, with the fix', async () => {
    const r = await script('gateway/main.ts', [], { ...sys.env, REDIS_URL: 'redis://127.0.0.1:1', PORT: '0' });
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/Redis is not reachable at redis:\/\/127\.0\.0\.1:1.*redis-server/);
  });

  it('refuses to start in production without keys, in one line', async () => {
    const r = await script('gateway/main.ts', [], { ...sys.env, NODE_ENV: 'production', JWT_SECRET: '', ARCHIVE_KEYS: '' });
    expect(r.code).toBe(78);
    expect(r.stderr.trim()).toMatch(/^office-hours gateway: refusing to start: JWT_SECRET, JWT_PUBLIC_KEY or JWT_JWKS_URL is required/);
  });
});
