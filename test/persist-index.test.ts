import { randomUUID } from 'node:crypto';
import { ChatPersister } from '../lib/chat/chat-persister';
import { persistShardOf } from '../lib/redis/redis-keys';
import { approvedRoom } from './support/approved-room';
import { eventually } from './support/eventually';
import { TestStompClient } from './support/stomp-test-client';
import { startTestSystem, type TestSystem } from './support/test-system';

/**
 * The pending-persistence index lives in another slot than the room, so a gateway writes it after the
 * append (and before the RECEIPT). A gateway that dies in between leaves a room whose marks say pending but
 * which no index lists: persist-reindex finds it on every master and persistence catches up.
 */
describe('pending-persistence index', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem({ CHAT_SEND_RATE_PER_SEC: '100000', CHAT_SEND_BURST: '100000' }, {}, { workers: true });
  }, 30_000);
  afterAll(() => sys.close());

  const stored = async (id: number) => Number((await sys.db.knex('chat_message').where({ request_idx: id }).count<{ n: string }[]>('* as n'))[0]!.n);

  it('re-indexes a room appended to but never indexed, and its messages reach PostgreSQL', async () => {
    await sys.core.users.upsert({ id: 'p1', name: 'p1', role: 'PROFESSOR' });
    const token = sys.token('s1', 'STUDENT');
    const id = await approvedRoom(sys, 's1');
    const client = await TestStompClient.connect(sys.gateway.port, token);
    for (let i = 0; i < 5; i++) await client.send(id, `m${i}`, `m-${i}`);
    await client.close();
    await eventually(async () => (await stored(id)) === 5, 10_000, 'five committed');

    // What a gateway that died right after its appends leaves behind: appended, never indexed.
    const chatLog = sys.core.hotLog.chatLog;
    for (let i = 0; i < 3; i++) {
      const out = await chatLog.append(
        { requestIdx: id, messageId: randomUUID(), senderId: 's1', senderRole: 'STUDENT', content: `orphan ${i}`, sentAt: new Date().toISOString(), clientMsgId: `o-${i}` },
        Date.now(),
      );
      expect(out.kind).toBe('appended');
    }
    const { persister, wakeups } = sys.workers!.context;
    await wakeups.wake(persistShardOf(id));
    expect(await sys.core.redis.zscore(sys.core.keys.persistPending(persistShardOf(id)), String(id))).toBeNull();
    expect(await stored(id)).toBe(5);

    expect(await persister.reindexPending()).toBe(1);
    await wakeups.wake(persistShardOf(id));
    await eventually(async () => (await stored(id)) === 8, 10_000, 'orphans committed');
    await eventually(async () => (await sys.core.redis.zscore(sys.core.keys.persistPending(persistShardOf(id)), String(id))) === null, 10_000, 'index cleared');
    expect(await persister.reindexPending()).toBe(0);
  });

  it('commits a backlog longer than a round reads in several rounds, each acking only what it read', async () => {
    const token = sys.token('s2', 'STUDENT');
    const id = await approvedRoom(sys, 's2');
    const client = await TestStompClient.connect(sys.gateway.port, token);
    await client.send(id, 'first', 'b-first'); // builds the room's hot log and takes a seq lease
    await client.close();
    await eventually(async () => (await stored(id)) === 1, 10_000, 'first committed');
    const { chatLog, commit, rebuilder } = sys.core.hotLog;
    let seq = 0;
    for (let i = 0; i < 7; i++) {
      const out = await chatLog.append(
        { requestIdx: id, messageId: randomUUID(), senderId: 's2', senderRole: 'STUDENT', content: `b${i}`, sentAt: new Date().toISOString(), clientMsgId: `b-${i}` },
        Date.now(),
      );
      if (out.kind !== 'appended') throw new Error(out.kind);
      seq = out.seq;
    }
    // Not indexed on purpose: the shard's worker must not take this room; a persister of our own does.
    const persister = new ChatPersister({ redis: sys.core.redis, keys: sys.core.keys, chatLog, ttlMs: sys.core.config.chat.ttlMs, commit, rebuilder, messagesPerRoom: 3 });
    await persister.persistRoom(id);
    expect(await stored(id)).toBe(8);
    const rows = await sys.db.knex('chat_message').where({ request_idx: id }).orderBy('seq').pluck('seq');
    expect(rows.slice(1)).toEqual([1, 2, 3, 4, 5, 6, 7].map((n) => n + seq - 7));
    const marks = await sys.core.redis.hmget(sys.core.keys.persistMarks(id), 'committed', 'pending');
    expect(marks.map(Number)).toEqual([seq, seq]);
  });

  it('trims a committed room to its hot tail; reads below the tail come from PostgreSQL, appends go on', async () => {
    const token = sys.token('s3', 'STUDENT');
    const id = await approvedRoom(sys, 's3');
    const client = await TestStompClient.connect(sys.gateway.port, token);
    await client.send(id, 'first', 't-first');
    await eventually(async () => (await stored(id)) === 1, 10_000, 'first committed');
    const { chatLog, commit, rebuilder, roomMessages } = sys.core.hotLog;
    const append = async (i: number) => {
      const out = await chatLog.append(
        { requestIdx: id, messageId: randomUUID(), senderId: 's3', senderRole: 'STUDENT', content: `t${i}`, sentAt: new Date().toISOString(), clientMsgId: `t-${i}` },
        Date.now(),
      );
      if (out.kind !== 'appended') throw new Error(out.kind);
      return out.seq;
    };
    let seq = 0;
    for (let i = 0; i < 9; i++) seq = await append(i);
    const persister = new ChatPersister({ redis: sys.core.redis, keys: sys.core.keys, chatLog, ttlMs: sys.core.config.chat.ttlMs, commit, rebuilder, hotTail: 3 });
    await persister.persistRoom(id);
    expect(await stored(id)).toBe(10);
    expect(await sys.core.redis.llen(sys.core.keys.chatRoom(id))).toBe(3);
    expect(Number(await sys.core.redis.hget(sys.core.keys.chatMeta(id), 'base'))).toBe(seq - 3);

    const all = (await roomMessages.readRaw(id, 0, 100, true)).map((raw) => JSON.parse(raw) as { seq: number; content: string });
    expect(all.map((m) => m.content)).toEqual(['first', ...Array.from({ length: 9 }, (_, i) => `t${i}`)]);
    expect(all.map((m) => m.seq)).toEqual(all.map((_, i) => seq - 9 + i));
    // The trimmed room still verifies: the next append continues the seqs, a retry of a trimmed message dedupes.
    expect(await append(9)).toBe(seq + 1);
    const retry = await chatLog.append({ requestIdx: id, messageId: randomUUID(), senderId: 's3', senderRole: 'STUDENT', content: 't0', sentAt: new Date().toISOString(), clientMsgId: 't-0' }, Date.now());
    expect(retry).toEqual({ kind: 'duplicate', seq: seq - 8 });
    await client.close();
  });
});
