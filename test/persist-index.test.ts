import { ChatPersister } from '../lib/chat/persistence/chat-persister';
import { CommitBatcher } from '../lib/chat/send/commit-batcher';
import { persistShardOf } from '../lib/redis/redis-keys';
import { approvedRoom } from './support/approved-room';
import { messageToAppend } from './support/message-to-append';
import { eventually } from './support/eventually';
import { TestStompClient } from './support/stomp-test-client';
import { startTestSystem, type TestSystem } from './support/test-system';

/**
 * The pending-persistence index. On one Redis server the append script writes it with the append. On a
 * cluster it lives in another slot than the room, so a gateway writes it after the append (and before the
 * RECEIPT); a gateway that dies in between leaves a room whose marks say pending but which no index lists:
 * persist-reindex finds it on every master and persistence catches up.
 */
describe('pending-persistence index', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem({ CHAT_SEND_RATE_PER_SEC: '100000', CHAT_SEND_BURST: '100000' }, {}, { workers: true });
  }, 30_000);
  afterAll(() => sys.close());

  const stored = async (id: number) => Number((await sys.db.knex('chat_message').where({ request_idx: id }).count<{ n: string }[]>('* as n'))[0]!.n);

  it('indexes every appended room (in the append itself on one server; re-indexed after a crash on a cluster), and its messages reach PostgreSQL', async () => {
    await sys.core.users.upsert({ id: 'p1', name: 'p1', role: 'PROFESSOR' });
    const token = sys.token('s1', 'STUDENT');
    const id = await approvedRoom(sys, 's1');
    const client = await TestStompClient.connect(sys.gateway.port, token);
    for (let i = 0; i < 5; i++) await client.send(id, `m${i}`, `m-${i}`);
    await client.close();
    await eventually(async () => (await stored(id)) === 5, 10_000, 'five committed');

    // What a gateway that died right after its appends leaves behind: appended, nothing else.
    const { chatLog, persistIndex } = sys.core.hotLog;
    const shard = persistShardOf(id);
    let seq = 0;
    for (let i = 0; i < 3; i++) {
      const out = await chatLog.append(messageToAppend(id, 's1', `o-${i}`, `orphan ${i}`), Date.now());
      if (out.kind !== 'appended') throw new Error(out.kind);
      seq = out.seq;
    }
    const score = await sys.core.redis.zscore(sys.core.keys.persistPending(shard), String(id));
    if (!sys.core.redis.isCluster) {
      expect(score === null || Number(score) === seq).toBe(true); // null once the drain already took it
      expect(await persistIndex.reindex()).toBe(0);
    } else {
      expect(score).toBeNull();
      expect(await stored(id)).toBe(5);
      expect(await persistIndex.reindex()).toBe(1);
    }
    await eventually(async () => (await stored(id)) === 8, 10_000, 'orphans committed');
    await eventually(async () => (await sys.core.redis.zscore(sys.core.keys.persistPending(shard), String(id))) === null, 10_000, 'index cleared');
    expect(await persistIndex.reindex()).toBe(0);
  });

  it('commits what the gateway committed with postgres receipts once: the marks move over it', async () => {
    const token = sys.token('s4', 'STUDENT');
    const id = await approvedRoom(sys, 's4');
    const client = await TestStompClient.connect(sys.gateway.port, token);
    await client.send(id, 'first', 'g-first');
    await client.close();
    await eventually(async () => (await stored(id)) === 1, 10_000, 'first committed');
    const { chatLog, persistIndex, commit } = sys.core.hotLog;
    const batcher = new CommitBatcher(commit, persistIndex);
    const seqs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const m = messageToAppend(id, 's4', `g-${i}`, `g${i}`);
      const out = await chatLog.append(m, Date.now());
      if (out.kind !== 'appended') throw new Error(out.kind);
      seqs.push(await batcher.commit({ ...m, seq: out.seq }));
    }
    await eventually(async () => (await persistIndex.marks(id)).committed === seqs[2], 5_000, 'marks advanced');
    expect(await stored(id)).toBe(4);
    // Nothing is left for persistence to write: its read of the room is empty.
    const [read] = await persistIndex.readUncommitted([{ requestIdx: id, newest: seqs[2]! }], 100);
    expect(read).toEqual({ kind: 'ok', committed: seqs[2], raw: [] });
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
      const out = await chatLog.append(messageToAppend(id, 's2', `b-${i}`, `b${i}`), Date.now());
      if (out.kind !== 'appended') throw new Error(out.kind);
      seq = out.seq;
    }
    // A persister of our own commits it before the shard's drain (which waits out its commit window) comes round.
    const persister = new ChatPersister({ index: sys.core.hotLog.persistIndex, commit, rebuilder, messagesPerRoom: 3 });
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
      const out = await chatLog.append(messageToAppend(id, 's3', `t-${i}`, `t${i}`), Date.now());
      if (out.kind !== 'appended') throw new Error(out.kind);
      return out.seq;
    };
    let seq = 0;
    for (let i = 0; i < 9; i++) seq = await append(i);
    const persister = new ChatPersister({ index: sys.core.hotLog.persistIndex, commit, rebuilder, hotTail: 3 });
    await persister.persistRoom(id);
    expect(await stored(id)).toBe(10);
    expect(await sys.core.redis.llen(sys.core.keys.chatRoom(id))).toBe(3);
    expect(Number(await sys.core.redis.hget(sys.core.keys.chatMeta(id), 'base'))).toBe(seq - 3);

    const all = (await roomMessages.readRaw(id, 0, 100, true)).map((raw) => JSON.parse(raw) as { seq: number; content: string });
    expect(all.map((m) => m.content)).toEqual(['first', ...Array.from({ length: 9 }, (_, i) => `t${i}`)]);
    expect(all.map((m) => m.seq)).toEqual(all.map((_, i) => seq - 9 + i));
    // The trimmed room still verifies: the next append continues the seqs, a retry of a trimmed message dedupes.
    expect(await append(9)).toBe(seq + 1);
    const retry = await chatLog.append(messageToAppend(id, 's3', 't-0', 't0'), Date.now());
    expect(retry).toEqual({ kind: 'duplicate', seq: seq - 8 });
    await client.close();
  });
});
