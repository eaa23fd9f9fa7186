import { randomUUID } from 'node:crypto';
import { persistShardOf } from '../lib/redis/redis-keys';
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
    const r = await sys.http('POST', '/api/consultation/request', { token, body: { professorId: 'p1', title: 't', content: 'c' } });
    const id = r.body.requestIdx as number;
    await sys.http('POST', '/api/consultation/approve', { token: sys.token('p1', 'PROFESSOR'), body: { requestIdx: id } });
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
});
