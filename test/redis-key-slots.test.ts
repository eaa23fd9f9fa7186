import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import calculateSlot from 'cluster-key-slot';
import { Cluster, Redis } from 'ioredis';
import { PersistIndex } from '../lib/chat/persistence/persist-index';
import { eventually } from './support/eventually';
import { TestStompClient } from './support/stomp-test-client';
import { startTestSystem, type TestSystem } from './support/test-system';

/**
 * Redis Cluster refuses a script, MULTI or multi-key command whose keys live in different slots. This test
 * watches what the code really sends (MONITOR on the single Redis, so a regression shows without a
 * cluster), asks Redis which arguments are keys (COMMAND GETKEYS), and checks every script call, MULTI
 * block and multi-key command of this run keeps to one CRC16 slot.
 */
interface Seen {
  client: string;
  args: string[];
}

const SLOTLESS = new Set([
  'multi',
  'exec',
  'discard',
  'watch',
  'unwatch',
  'ping',
  'info',
  'client',
  'select',
  'hello',
  'script',
  'command',
  'cluster',
  'readonly',
  'config',
  'subscribe',
  'ssubscribe',
  'sunsubscribe',
  'unsubscribe',
  'psubscribe',
  'publish',
]);

describe('every script, MULTI and multi-key command touches one slot', () => {
  let sys: TestSystem;
  let monitor: ChildProcess;
  let watcher: Redis;
  const seen: Seen[] = [];

  beforeAll(async () => {
    sys = await startTestSystem(
      { CHAT_SEND_RATE_PER_SEC: '100000', CHAT_SEND_BURST: '100000', BACKUP_INTERVAL_MS: '300', CLEANUP_INTERVAL_MS: '400', PUSH_COLLAPSE_WINDOW_MS: '100' },
      {},
      { workers: true },
    );
    watcher = new Redis(sys.env['REDIS_URL']!);
    // redis-cli's MONITOR (one line per command, as Redis prints it) rather than a client library's.
    monitor = spawn('redis-cli', ['-u', sys.env['REDIS_URL']!, 'monitor'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const prefix = sys.config.redisPrefix;
    const started = new Promise<void>((resolve) => monitor.stdout!.once('data', () => resolve()));
    createInterface({ input: monitor.stdout! }).on('line', (line) => {
      const parsed = parseMonitorLine(line);
      if (!parsed || parsed.client === 'lua') return;
      if (parsed.args.some((a) => a.includes(prefix)) || ['multi', 'exec'].includes(parsed.args[0]!.toLowerCase())) seen.push(parsed);
    });
    await started;
  }, 30_000);
  afterAll(async () => {
    monitor.kill();
    watcher.disconnect();
    await sys.close();
  });

  it('holds for chat, rebuild, lease, persistence, backup, push, archive and cleanup', async () => {
    await sys.core.users.upsert({ id: 'p1', name: 'p1', role: 'PROFESSOR' });
    const studentToken = sys.token('s1', 'STUDENT');
    const r = await sys.http('POST', '/api/consultation/request', { token: studentToken, body: { professorId: 'p1', title: 't', content: 'c' } });
    const id = r.body.requestIdx as number;
    await sys.http('POST', '/api/consultation/approve', { token: sys.token('p1', 'PROFESSOR'), body: { requestIdx: id } });
    await sys.http('POST', '/api/push/tokens', { token: sys.token('p1', 'PROFESSOR'), body: { token: 'device-p1', platform: 'android' } });
    const student = await TestStompClient.connect(sys.gateway.port, studentToken);
    // More than one seq lease (128) so the lease is extended; the professor is offline, so pushes are collapsed.
    await Promise.all(Array.from({ length: 140 }, (_, i) => student.send(id, `m${i}`, `m-${i}`)));
    await student.publishWithReceipt('/app/chat.typing', JSON.stringify({ requestIdx: id }));
    await student.publishWithReceipt('/app/chat.read', JSON.stringify({ requestIdx: id }));
    await student.publishWithReceipt('/app/chat.sync', JSON.stringify({ requestIdx: id, afterSeq: 0 }));
    // A lost list: the next send rebuilds the room.
    await sys.core.redis.del(sys.core.keys.chatRoom(id));
    await student.send(id, 'after the loss', 'm-lost');
    await sys.http('GET', `/api/chat/${id}/messages?afterSeq=0&limit=50`, { token: studentToken });
    await eventually(async () => (await sys.core.redis.zcard(sys.core.keys.persistPending(id % 4))) === 0, 10_000, 'persisted');
    await student.close();
    await sys.http('POST', '/api/consultation/end', { token: studentToken, body: { requestIdx: id } });
    await eventually(async () => (await sys.db.knex('CONSULTATION_REQUEST_TBL').where({ request_idx: id }).first()).archived_at !== null, 10_000, 'archived');

    const checked = await checkSlots(seen, watcher);
    expect(checked.scripts).toBeGreaterThan(100);
    expect(checked.violations).toEqual([]);
  });

  it('a cluster client appends without the index keys (they live in another slot)', () => {
    const cluster = new Cluster([{ host: '127.0.0.1', port: 1 }], { lazyConnect: true }) as unknown as Redis;
    const index = new PersistIndex(cluster, sys.core.keys, 1000);
    expect(index.drainGroupOf(3)).not.toBe(index.drainGroupOf(4));
    expect(index.appendKeys(7)).toEqual([]);
    cluster.disconnect();
  });
});

async function checkSlots(commands: readonly Seen[], redis: Redis): Promise<{ scripts: number; violations: string[] }> {
  const violations: string[] = [];
  const openMulti = new Map<string, Set<number>>();
  let scripts = 0;
  for (const { client, args } of commands) {
    const name = args[0]!.toLowerCase();
    if (name === 'multi') {
      openMulti.set(client, new Set());
      continue;
    }
    if (name === 'exec') {
      const slots = openMulti.get(client);
      openMulti.delete(client);
      if (slots && slots.size > 1) violations.push(`MULTI from ${client} spans slots ${[...slots].join(',')}`);
      continue;
    }
    if (SLOTLESS.has(name)) continue;
    let keys = name === 'spublish' ? [args[1]!] : ((await redis.call('COMMAND', 'GETKEYS', ...args).catch(() => [])) as string[]);
    // On one server the drain covers every shard it holds: one DEL and one BLPOP over their wake lists (a cluster
    // client gives each shard its own loop: test/persist-drains.test.ts).
    if ((name === 'del' || name === 'blpop') && keys.every((k) => /:persist:wake:\{shard-/.test(k))) continue;
    // On one server the append also indexes its room (chat-append.lua KEYS[8], KEYS[9]); a cluster client
    // never passes those keys (PersistIndex.appendKeys, checked below), so the room's own keys are what count.
    if (name.startsWith('eval') && keys.some((k) => k.includes(':chat:room:{'))) keys = keys.filter((k) => !/:persist:(pending|wake):\{shard-/.test(k));
    if (name.startsWith('eval')) scripts++;
    // On one server persistence reads and acks a round's rooms in one call (PersistIndex: a cluster client
    // sends one room per call): each room's keys must still share their slot.
    const rooms = new Set(keys.filter((k) => k.includes(':chat:room:{')));
    if (name.startsWith('eval') && rooms.size > 1) {
      const byRoom = new Map<string, Set<number>>();
      for (const k of keys) {
        const tag = /\{([^}]*)\}/.exec(k)?.[1] ?? k;
        if (!byRoom.has(tag)) byRoom.set(tag, new Set());
        byRoom.get(tag)!.add(calculateSlot(k));
      }
      for (const [tag, set] of byRoom) if (set.size > 1) violations.push(`${args[0]} room ${tag} spans slots`);
      continue;
    }
    const slots = new Set(keys.map((k) => calculateSlot(k)));
    openMulti.get(client)?.forEach((s) => slots.add(s));
    if (openMulti.has(client)) for (const s of slots) openMulti.get(client)!.add(s);
    else if (slots.size > 1)
      violations.push(
        `${args
          .slice(0, 2)
          .map((a) => a.slice(0, 40))
          .join(' ')} … keys ${keys.join(' ')}`,
      );
  }
  return { scripts, violations };
}

/** `1700000000.123456 [0 127.0.0.1:5000] "cmd" "arg" …`, with C-style escapes inside the quotes. */
function parseMonitorLine(line: string): Seen | undefined {
  const m = /^\d+\.\d+ \[\d+ ([^\]]+)\] (.*)$/.exec(line);
  if (!m) return undefined;
  const args: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"/g;
  for (let a = re.exec(m[2]!); a; a = re.exec(m[2]!)) {
    args.push(
      a[1]!.replace(/\\x([0-9a-f]{2})|\\(.)/g, (_, hex: string | undefined, ch: string | undefined) =>
        hex ? String.fromCharCode(parseInt(hex, 16)) : ch === 'n' ? '\n' : ch === 'r' ? '\r' : ch === 't' ? '\t' : ch!,
      ),
    );
  }
  return args.length ? { client: m[1]!, args } : undefined;
}
