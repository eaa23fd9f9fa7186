import path from 'node:path';
import pino from 'pino';
import { RoleSupervisor, type RoleSupervisorOptions, type SupervisedRole } from '../../scripts/role-supervisor';

/**
 * The supervisor of `npm start` against stand-in roles (test/support/supervised-child.mjs): restart after a
 * SIGKILL, crash loop → exit code 1 with the others drained, SIGKILL after the drain timeout, and a second
 * stop that kills at once. test/npm-start.test.ts does the same with the real roles.
 */
const CHILD = path.resolve(__dirname, '..', 'support', 'supervised-child.mjs');
const role = (name: string, mode: 'steady' | 'crashing' | 'stubborn'): SupervisedRole => ({ name, nodeArgs: [CHILD, mode], readyMessage: `${mode} ready` });

interface Harness {
  supervisor: RoleSupervisor;
  logs: Record<string, unknown>[];
  roleLines: string[];
  waitForLog(predicate: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  waitForRoleLine(text: string): Promise<void>;
  allReady: Promise<ReadonlyMap<string, Record<string, unknown>>>;
}

const started: RoleSupervisor[] = [];
afterEach(() => {
  // A failed test must not leave stand-ins running: the second stop kills at once.
  for (const s of started.splice(0)) {
    s.stop('test end');
    s.stop('test end');
  }
});

function harness(roles: SupervisedRole[], options: Partial<RoleSupervisorOptions> = {}): Harness {
  const logs: Record<string, unknown>[] = [];
  const roleLines: string[] = [];
  let waiters: (() => void)[] = [];
  const notify = () => {
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };
  const waitUntil = <T>(found: () => T | undefined) =>
    new Promise<T>((resolve) => {
      const check = () => {
        const hit = found();
        if (hit !== undefined) resolve(hit);
        else waiters.push(check);
      };
      check();
    });
  const log = pino(
    { level: 'info' },
    {
      write(line: string) {
        logs.push(JSON.parse(line) as Record<string, unknown>);
        notify();
      },
    },
  );
  let reportReady: (lines: ReadonlyMap<string, Record<string, unknown>>) => void = () => undefined;
  const allReady = new Promise<ReadonlyMap<string, Record<string, unknown>>>((resolve) => (reportReady = resolve));
  let readyCalls = 0;
  const supervisor = new RoleSupervisor({
    roles,
    env: { PATH: process.env['PATH'] },
    cwd: path.resolve(__dirname, '..', '..'),
    log,
    writeLine: (line) => {
      roleLines.push(line);
      notify();
    },
    drainTimeoutMs: 60_000,
    restartDelay: { initialMs: 10, maxMs: 40 },
    onAllReady: (lines) => {
      readyCalls += 1;
      if (readyCalls > 1) throw new Error('onAllReady called twice');
      reportReady(new Map(lines));
    },
    ...options,
  });
  started.push(supervisor);
  return {
    supervisor,
    logs,
    roleLines,
    allReady,
    waitForLog: (predicate) => waitUntil(() => logs.find(predicate)),
    waitForRoleLine: (text) => waitUntil(() => roleLines.find((l) => l.includes(text))).then(() => undefined),
  };
}

it('starts a role killed by a signal again, reports ready once, and drains to exit code 0', async () => {
  const h = harness([role('a', 'steady'), role('b', 'steady')]);
  const done = h.supervisor.run();
  const ready = await h.allReady;
  expect([...ready.keys()].sort()).toEqual(['a', 'b']);
  const first = await h.waitForLog((l) => l['msg'] === 'role started' && l['roleName'] === 'a');
  expect(first['attempt']).toBe(0);
  process.kill(Number(first['pid']), 'SIGKILL');
  const exited = await h.waitForLog((l) => l['msg'] === 'role exited; restarting');
  expect(exited).toMatchObject({ roleName: 'a', code: null, signal: 'SIGKILL', attempt: 1, delayMs: 10, level: 50 });
  const again = await h.waitForLog((l) => l['msg'] === 'role started' && l['roleName'] === 'a' && l['attempt'] === 1);
  expect(again['pid']).not.toBe(first['pid']);
  await h.waitForRoleLine(`"pid":${String(again['pid'])}`); // its SIGTERM handler is in place
  h.supervisor.stop('SIGINT');
  expect(await done).toBe(0);
  expect(h.logs.filter((l) => l['msg'] === 'role stopped').map((l) => [l['roleName'], l['code']])).toEqual(
    expect.arrayContaining([
      ['a', 0],
      ['b', 0],
    ]),
  );
});

it('gives up on a role that keeps crashing: the others drain and the exit code is 1', async () => {
  const h = harness([role('steady', 'steady'), role('crasher', 'crashing')], { crashLoop: { restarts: 3, windowMs: 60_000 } });
  const code = await h.supervisor.run();
  expect(code).toBe(1);
  const restarts = h.logs.filter((l) => l['msg'] === 'role exited; restarting');
  expect(restarts.map((l) => [l['roleName'], l['code'], l['attempt'], l['delayMs']])).toEqual([
    ['crasher', 3, 1, 10],
    ['crasher', 3, 2, 20],
    ['crasher', 3, 3, 40],
  ]);
  expect(h.logs.find((l) => l['msg'] === 'role keeps crashing; stopping all roles')).toMatchObject({ roleName: 'crasher', code: 3, restarts: 3 });
  // The other role was stopped too (whether it had finished starting is a race with the crashes, so not its code).
  expect(h.logs.find((l) => l['msg'] === 'role stopped' && l['roleName'] === 'steady')).toBeDefined();
  expect(h.logs.filter((l) => l['msg'] === 'role started' && l['roleName'] === 'crasher')).toHaveLength(4);
});

it('SIGKILLs a role that does not drain within the drain timeout (exit code 1)', async () => {
  const h = harness([role('steady', 'steady'), role('stubborn', 'stubborn')], { drainTimeoutMs: 300 });
  const done = h.supervisor.run();
  await h.allReady;
  h.supervisor.stop('SIGTERM');
  expect(await done).toBe(1);
  expect(h.logs.find((l) => l['msg'] === 'role did not drain in time; killing it')).toMatchObject({ roleName: 'stubborn' });
  expect(h.logs.find((l) => l['msg'] === 'role stopped' && l['roleName'] === 'stubborn')).toMatchObject({ code: null, signal: 'SIGKILL' });
  expect(h.logs.find((l) => l['msg'] === 'role stopped' && l['roleName'] === 'steady')).toMatchObject({ code: 0 });
});

it('kills at once on a second stop, long before the drain timeout', async () => {
  const h = harness([role('stubborn', 'stubborn')]);
  const done = h.supervisor.run();
  await h.allReady;
  h.supervisor.stop('SIGINT');
  await h.waitForLog((l) => l['msg'] === 'stopping all roles');
  h.supervisor.stop('SIGINT');
  expect(await done).toBe(1);
  expect(h.logs.find((l) => l['msg'] === 'stopped again; killing role')).toMatchObject({ roleName: 'stubborn' });
});
