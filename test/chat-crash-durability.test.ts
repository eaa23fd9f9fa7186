import { startGatewayProcess, startWorkerProcess, type RoleProcess } from './support/child-process';
import { eventually } from './support/eventually';
import { TestStompClient } from './support/stomp-test-client';
import { startTestSystem, type TestSystem } from './support/test-system';

/**
 * Every receipted message reaches PostgreSQL exactly once, in seq order, even when the gateway and then
 * a persistence worker are killed with SIGKILL mid-stream. Seqs are contiguous except where a gateway died
 * between extending a room's seq lease in PostgreSQL and recording it in Redis: the next gateway cannot tell
 * that from a stale Redis state, so it rebuilds the room and abandons the rest of that lease (counted).
 */
let sys: TestSystem;
const procs: RoleProcess[] = [];
const rate = { CHAT_SEND_RATE_PER_SEC: '100000', CHAT_SEND_BURST: '100000' };

beforeAll(async () => {
  sys = await startTestSystem(rate, {}, { s3: true });
  await sys.core.users.upsert({ id: 'p1', name: 'Lee', role: 'PROFESSOR' });
}, 30_000);
afterAll(async () => {
  await Promise.all(procs.map((p) => p.kill('SIGKILL')));
  await sys.close();
});

/** Sends with a window of outstanding messages until `until` says stop; records receipted seqs. */
async function pump(client: TestStompClient, id: number, receipted: Map<string, number>, next: { n: number }, until: () => boolean): Promise<void> {
  const window = 16;
  const inflight = new Set<Promise<void>>();
  while (!until() && !client.closed) {
    const clientMsgId = `k-${next.n++}`;
    const p = client
      .send(id, `crash test ${clientMsgId}`, clientMsgId)
      .then((r) => void receipted.set(clientMsgId, Number(r['seq'])))
      .catch(() => undefined)
      .finally(() => inflight.delete(p));
    inflight.add(p);
    if (inflight.size >= window) await Promise.race(inflight);
  }
  await Promise.allSettled([...inflight]);
}

it('survives SIGKILL of the gateway and of a worker with every receipted message stored once', async () => {
  const env = { ...process.env, ...sys.env };
  const studentToken = sys.token('s1', 'STUDENT');
  const r = await sys.http('POST', '/api/consultation/request', { token: studentToken, body: { professorId: 'p1', title: 'crash', content: 'c' } });
  const id = r.body.requestIdx as number;
  await sys.http('POST', '/api/consultation/approve', { token: sys.token('p1', 'PROFESSOR'), body: { requestIdx: id } });

  let worker = await startWorkerProcess(env);
  procs.push(worker);
  let gateway = await startGatewayProcess(env);
  procs.push(gateway.proc);
  const receipted = new Map<string, number>();
  const next = { n: 0 };

  // Phase 1: kill the gateway mid-stream.
  let client = await TestStompClient.connect(gateway.port, studentToken);
  const phase1 = pump(client, id, receipted, next, () => false);
  await eventually(async () => receipted.size >= 300, 20_000, '300 receipts');
  await gateway.proc.kill('SIGKILL');
  await phase1;
  await client.close();

  // Phase 2: a new gateway; kill the worker mid-stream, then start another.
  gateway = await startGatewayProcess(env);
  procs.push(gateway.proc);
  client = await TestStompClient.connect(gateway.port, studentToken);
  const target = receipted.size + 600;
  const phase2 = pump(client, id, receipted, next, () => receipted.size >= target);
  await eventually(async () => receipted.size >= target - 300, 20_000, 'more receipts');
  await worker.kill('SIGKILL');
  worker = await startWorkerProcess(env);
  procs.push(worker);
  await phase2;
  await client.close();

  const seqs = [...receipted.values()];
  const maxSeq = Math.max(...seqs);
  await eventually(
    async () => {
      const n = await sys.db.knex('chat_message').where({ request_idx: id }).whereIn('seq', seqs).count<{ n: string }[]>('* as n');
      return Number(n[0]!.n) === seqs.length;
    },
    40_000,
    'all receipted rows committed',
  );
  const rows = await sys.db.knex('chat_message').where({ request_idx: id }).where('seq', '<=', maxSeq).orderBy('seq').select('seq', 'client_msg_id');
  // Exactly once and in seq order; a seq missing below the last receipted one was abandoned, and counted.
  expect(new Set(rows.map((x: { client_msg_id: string }) => x.client_msg_id)).size).toBe(rows.length);
  // Whichever process met the stale room first rebuilt it (a gateway appending or a worker persisting, maybe
  // one killed since): its log line survives it.
  const abandoned = procs
    .flatMap((p) => p.logs)
    .filter((l) => String(l['msg']).startsWith('hot log rebuilt') && typeof l['abandoned'] === 'number')
    .reduce((n, l) => n + (l['abandoned'] as number), 0);
  expect(maxSeq - rows.length).toBeLessThanOrEqual(abandoned);
  const bySeq = new Map(rows.map((x: { seq: number; client_msg_id: string }) => [x.seq, x.client_msg_id]));
  for (const [clientMsgId, seq] of receipted) expect(bySeq.get(seq)).toBe(clientMsgId);
  expect(receipted.size).toBeGreaterThanOrEqual(900);
}, 120_000);
