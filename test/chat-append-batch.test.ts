import type { ChatMessage } from '../protocol/chat-message';
import { approvedRoom } from './support/approved-room';
import { messageToAppend } from './support/message-to-append';
import { TestStompClient } from './support/stomp-test-client';
import { startTestSystem, type TestSystem } from './support/test-system';

/** A room's appends of one event-loop turn go to Redis in one script call, with every per-message rule kept. */
describe('batched appends', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem({ CHAT_SEND_RATE_PER_SEC: '100000', CHAT_SEND_BURST: '100000' });
    await sys.core.users.upsert({ id: 'p1', name: 'p1', role: 'PROFESSOR' });
  }, 30_000);
  afterAll(() => sys.close());

  async function openRoom(student: string): Promise<number> {
    const id = await approvedRoom(sys, student);
    const client = await TestStompClient.connect(sys.gateway.port, sys.token(student, 'STUDENT'));
    await client.send(id, 'first', `${student}-first`); // builds the room's hot log
    await client.close();
    return id;
  }
  const message = messageToAppend;
  const contents = async (id: number) =>
    (await sys.core.redis.lrange(sys.core.keys.chatRoom(id), 0, -1)).map((raw) => (JSON.parse(raw) as ChatMessage).clientMsgId);

  it('appends one turn of both participants in order, a duplicate within the turn answering with the original seq', async () => {
    const id = await openRoom('s1');
    const { chatLog } = sys.core.hotLog;
    const command = 'ohChatAppend';
    const calls = jest.spyOn(sys.core.redis as unknown as Record<string, (...a: unknown[]) => unknown>, command);
    const outcomes = await Promise.all([
      chatLog.append(message(id, 's1', 'a'), Date.now()),
      chatLog.append(message(id, 'p1', 'b'), Date.now()),
      chatLog.append(message(id, 's1', 'c'), Date.now()),
      chatLog.append(message(id, 's1', 'a'), Date.now()),
      chatLog.append(message(id, 'p1', 'd'), Date.now()),
    ]);
    // (ioredis's auto-pipelining calls the command again on its pipeline object: count the client's calls.)
    expect(calls.mock.contexts.filter((c) => c === sys.core.redis)).toHaveLength(1);
    calls.mockRestore();
    const first = outcomes[0] as { kind: 'appended'; seq: number };
    expect(outcomes.map((o) => o.kind)).toEqual(['appended', 'appended', 'appended', 'duplicate', 'appended']);
    expect(outcomes.map((o) => ('seq' in o ? o.seq : 0))).toEqual([first.seq, first.seq + 1, first.seq + 2, first.seq, first.seq + 3]);
    expect(await contents(id)).toEqual(['s1-first', 'a', 'b', 'c', 'd']);
  });

  it('splits a turn with a third sender into calls that keep the order', async () => {
    const id = await openRoom('s2');
    const { chatLog } = sys.core.hotLog;
    const outcomes = await Promise.all(['s2', 'p1', 'x9', 's2'].map((sender, i) => chatLog.append(message(id, sender, `m${i}`), Date.now())));
    expect(outcomes.every((o) => o.kind === 'appended')).toBe(true);
    expect(await contents(id)).toEqual(['s2-first', 'm0', 'm1', 'm2', 'm3']);
  });

  it('once the seq lease is used up, every later message of the turn waits too, so none overtakes another', async () => {
    const id = await openRoom('s3');
    const { chatLog } = sys.core.hotLog;
    const seq = Number(await sys.core.redis.hget(sys.core.keys.chatMeta(id), 'seq'));
    await sys.core.redis.hset(sys.core.keys.chatMeta(id), 'lease', seq + 2);
    const outcomes = await Promise.all(['a', 'b', 'c', 'd'].map((c, i) => chatLog.append(message(id, i % 2 ? 'p1' : 's3', c), Date.now())));
    expect(outcomes.map((o) => o.kind)).toEqual(['appended', 'appended', 'lease-exhausted', 'lease-exhausted']);
    expect(await contents(id)).toEqual(['s3-first', 'a', 'b']);
  });
});
