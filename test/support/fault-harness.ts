import { PERSIST_SHARDS } from '../../lib/redis/redis-keys';
import { startGatewayProcess, startWorkerProcess, type RoleProcess } from './child-process';
import { eventually } from './eventually';
import { startOwnRedis, type OwnRedis } from './own-redis';
import { TestStompClient } from './stomp-test-client';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';
import { startTestSystem, type TestSystem } from './test-system';

/**
 * A whole system for fault tests: a gateway and a worker as real processes that reach PostgreSQL through a
 * TCP proxy of the test's own, and an in-process system (same Redis and database) for REST calls and
 * inspection. Faults touch only what the test started.
 */
export interface RoleSystem {
  readonly sys: TestSystem;
  readonly pgProxy: TcpProxy;
  readonly gatewayPort: number;
  readonly gateway: RoleProcess;
  readonly worker: RoleProcess;
  /** SIGKILLs the worker process (in the middle of whatever it holds). */
  killWorker(): Promise<void>;
  /** Starts a (replacement) worker process; resolves once its queues run. */
  startWorker(): Promise<void>;
  /** A consultation between s1 and p1, approved; returns its id. */
  openRoom(title: string): Promise<number>;
  /** Sum of a counter over the gateway, the worker and the in-process system. */
  counter(name: string): Promise<number>;
  close(): Promise<void>;
}

/** FAULT_LOGS=1 shows what the role processes complained about (warnings, errors and raw stderr lines). */
export function printRoleLogs(fs: RoleSystem | undefined): void {
  if (!process.env['FAULT_LOGS'] || !fs) return;
  for (const [role, p] of [
    ['gateway', fs.gateway],
    ['worker', fs.worker],
  ] as const) {
    for (const l of p.logs.filter((x) => Number(x['level'] ?? 0) >= 40 || x['raw'])) process.stdout.write(`${role}: ${JSON.stringify(l).slice(0, 400)}\n`);
  }
}

/** The role system on a Redis server of the test's own (SHUTDOWN, restarts and key faults). */
export interface FaultSystem extends RoleSystem {
  readonly redis: OwnRedis;
}

const RATE = { CHAT_SEND_RATE_PER_SEC: '100000', CHAT_SEND_BURST: '100000' };

export async function startFaultSystem(env: Record<string, string> = {}): Promise<FaultSystem> {
  const redis = await startOwnRedis();
  const roles = await startRoleSystem({ ...env, REDIS_URL: redis.url });
  return {
    ...roles,
    redis,
    async close() {
      await roles.close();
      await redis.close();
    },
  };
}

/** The role system against whatever Redis `env` names (REDIS_URL or REDIS_CLUSTER_NODES). */
export async function startRoleSystem(env: Record<string, string>): Promise<RoleSystem> {
  const sys = await startTestSystem({ ...RATE, ...env }, {}, { s3: true });
  await sys.core.users.upsert({ id: 'p1', name: 'Lee', role: 'PROFESSOR' });
  const pgProxy = await startTcpProxy(Number(new URL(sys.env['DATABASE_URL']!).port));
  const dbViaProxy = new URL(sys.env['DATABASE_URL']!);
  dbViaProxy.port = String(pgProxy.port);
  const childEnv = { ...process.env, ...sys.env, DATABASE_URL: dbViaProxy.toString() };
  let worker = await startWorkerProcess(childEnv);
  const workerMetricsPort = () => Number(worker.logs.find((l) => l['msg'] === 'workers started')?.['metricsPort']);
  let workerAlive = true;
  const gateway = await startGatewayProcess(childEnv);
  const scrape = async (port: number, name: string) => {
    const text = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { connection: 'close' } }).then((r) => r.text());
    return text
      .split('\n')
      .filter((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`))
      .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
  };
  return {
    sys,
    pgProxy,
    gatewayPort: gateway.port,
    gateway: gateway.proc,
    get worker() {
      return worker;
    },
    async killWorker() {
      await worker.kill('SIGKILL');
      workerAlive = false;
    },
    async startWorker() {
      worker = await startWorkerProcess(childEnv);
      workerAlive = true;
    },
    async openRoom(title) {
      const r = await sys.http('POST', '/api/consultation/request', { token: sys.token('s1', 'STUDENT'), body: { professorId: 'p1', title, content: 'c' } });
      await sys.http('POST', '/api/consultation/approve', { token: sys.token('p1', 'PROFESSOR'), body: { requestIdx: r.body.requestIdx } });
      return r.body.requestIdx as number;
    },
    async counter(name) {
      const local = (await sys.core.registry.getSingleMetric(name)?.get())?.values.reduce((s, v) => s + v.value, 0) ?? 0;
      return local + (await scrape(gateway.port, name)) + (workerAlive ? await scrape(workerMetricsPort(), name) : 0);
    },
    async close() {
      await gateway.proc.kill('SIGKILL');
      await worker.kill('SIGKILL');
      await pgProxy.close();
      await sys.close();
    },
  };
}

/** A sender keeping a window of chat.send frames in flight, recording what was receipted. */
export class ChatTraffic {
  /** clientMsgId → receipted seq. */
  readonly receipted = new Map<string, number>();
  refused = 0;
  private next = 0;
  private stopped = false;
  private running: Promise<void> | undefined;

  constructor(
    readonly client: TestStompClient,
    readonly requestIdx: number,
    private readonly tag: string,
    private readonly window = 8,
  ) {}

  static content(clientMsgId: string): string {
    return `message ${clientMsgId}`;
  }

  start(): this {
    this.running = this.pump();
    return this;
  }

  /** Resolves once `n` more messages have been receipted. */
  async receiptsMore(n: number, timeoutMs = 30_000): Promise<void> {
    const target = this.receipted.size + n;
    await eventually(async () => this.receipted.size >= target, timeoutMs, `${n} more receipts in room ${this.requestIdx}`);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  private async pump(): Promise<void> {
    const inflight = new Set<Promise<void>>();
    while (!this.stopped && !this.client.closed) {
      const clientMsgId = `${this.tag}-${this.next++}`;
      const p = this.client
        .send(this.requestIdx, ChatTraffic.content(clientMsgId), clientMsgId)
        .then((r) => void this.receipted.set(clientMsgId, Number(r['seq'])))
        .catch(() => void this.refused++)
        .finally(() => inflight.delete(p));
      inflight.add(p);
      if (inflight.size >= this.window) await Promise.race(inflight);
    }
    await Promise.allSettled([...inflight]);
  }
}

interface Seen {
  seq: number;
  clientMsgId: string;
  content: string;
}

/** Every page of REST history. */
async function history(fs: RoleSystem, id: number): Promise<Seen[]> {
  const out: Seen[] = [];
  let after = 0;
  for (;;) {
    const page = await fs.sys.http('GET', `/api/chat/messages/${id}?afterSeq=${after}&limit=500`, { token: fs.sys.token('p1', 'PROFESSOR') });
    if (page.status !== 200) throw new Error(`history ${page.status}: ${JSON.stringify(page.body)}`);
    out.push(...(page.body.items as Seen[]));
    if (page.body.items.length < 500) return out;
    after = page.body.nextAfterSeq;
  }
}

/** chat.sync from 0 on a fresh session of the professor, against the gateway process. */
async function synced(fs: RoleSystem, id: number): Promise<Seen[]> {
  const client = await TestStompClient.connect(fs.gatewayPort, fs.sys.token('p1', 'PROFESSOR'));
  try {
    await client.publishWithReceipt('/app/chat.sync', JSON.stringify({ requestIdx: id, afterSeq: 0 }));
    return client.chat(id).map((e) => ({ seq: e.seq!, clientMsgId: e.clientMsgId!, content: e.content! }));
  } finally {
    await client.close();
  }
}

/**
 * The promise a RECEIPT makes, checked in history, chat.sync and the archive:
 *  - seqs strictly increasing, and no seq ever maps to two contents (receipts included);
 *  - every receipted message exactly once, under its receipted seq — or, when `lossAllowedUpTo` is given
 *    (default receipts and a Redis loss), missing ones no more than that count.
 * Ends the consultation to check the archive. Returns how many receipted messages are missing.
 */
export async function verifyRoom(fs: RoleSystem, id: number, receipted: ReadonlyMap<string, number>, lossAllowedUpTo?: () => Promise<number>): Promise<number> {
  const seqs = [...receipted.values()];
  const lossAllowed = lossAllowedUpTo !== undefined;
  // Everything receipted reaches PostgreSQL (the worker commits it); with losses allowed, the lost ones never do.
  await eventually(
    async () => {
      const rows = await fs.sys.db.knex('chat_message').where({ request_idx: id }).whereIn('seq', seqs).count<{ n: string }[]>('* as n');
      const k = fs.sys.core.keys;
      const pending = await Promise.all(Array.from({ length: PERSIST_SHARDS }, (_, shard) => fs.sys.core.redis.zcard(k.persistPending(shard))));
      return Number(rows[0]!.n) === seqs.length || (lossAllowed && pending.every((n) => n === 0));
    },
    40_000,
    `receipted messages of room ${id} committed`,
  );
  const fromHistory = await history(fs, id);
  const fromSync = await synced(fs, id);
  expect(fromSync).toEqual(fromHistory.map((m) => ({ seq: m.seq, clientMsgId: m.clientMsgId, content: m.content })));

  const contentBySeq = new Map<number, string>();
  const claim = (seq: number, content: string) => {
    const had = contentBySeq.get(seq);
    if (had !== undefined && had !== content) throw new Error(`seq ${seq} of room ${id} maps to two contents: ${had} / ${content}`);
    contentBySeq.set(seq, content);
  };
  for (const [clientMsgId, seq] of receipted) claim(seq, ChatTraffic.content(clientMsgId));
  let previous = 0;
  for (const m of fromHistory) {
    expect(m.seq).toBeGreaterThan(previous);
    previous = m.seq;
    claim(m.seq, m.content);
  }
  const byClientId = new Map<string, number[]>();
  for (const m of fromHistory) byClientId.set(m.clientMsgId, [...(byClientId.get(m.clientMsgId) ?? []), m.seq]);
  let missing = 0;
  for (const [clientMsgId, seq] of receipted) {
    const found = byClientId.get(clientMsgId);
    if (!found) {
      missing++;
      continue;
    }
    expect(found).toEqual([seq]);
  }
  const counted = lossAllowed ? await lossAllowedUpTo() : 0;
  if (lossAllowed) expect(missing).toBeLessThanOrEqual(counted);
  else expect(missing).toBe(0);
  // FAULT_SUMMARY=1 prints the figures of each room (for the closing note of a fault run).
  if (process.env['FAULT_SUMMARY'])
    process.stdout.write(`fault room ${id}: receipted ${receipted.size}, stored ${fromHistory.length}, missing ${missing}, counted as lost ${counted}\n`);

  // The archive: the same messages, once each, in seq order.
  const ended = await fs.sys.http('POST', '/api/consultation/end', { token: fs.sys.token('s1', 'STUDENT'), body: { requestIdx: id } });
  expect(ended.status).toBe(200);
  const archive = await eventually(
    async () => {
      const r = await fs.sys.http('GET', `/api/chat/archive/download/${id}`, { token: fs.sys.token('s1', 'STUDENT') });
      return r.status === 200 ? (r.body as string) : undefined;
    },
    40_000,
    `archive of room ${id}`,
  );
  const lines = archive.split('\n').filter((l) => l.includes('): message '));
  expect(lines.map((l) => l.slice(l.indexOf('): ') + 3))).toEqual(fromHistory.map((m) => m.content));
  return missing;
}
