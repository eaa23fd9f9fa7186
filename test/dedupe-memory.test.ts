import { ChatPersister } from '../lib/chat/chat-persister';
import { HOT_TAIL_MESSAGES } from '../lib/chat/hot-tail';
import { approvedRoom } from './support/approved-room';
import { eventually } from './support/eventually';
import { TestStompClient } from './support/stomp-test-client';
import { startTestSystem, type TestSystem } from './support/test-system';

/**
 * A room's Redis memory does not grow with its history: committed messages leave the list (the hot tail) and,
 * in steps, the dedupe hash. A retry older than the dedupe window is answered from PostgreSQL's unique index
 * with its original seq, never stored or delivered again. This file persists with its own persister and a
 * hot tail of 50 (no worker runs), so a few thousand messages are many windows.
 */
const TAIL = 50;
let sys: TestSystem;
const clients: TestStompClient[] = [];
let persister: ChatPersister;

beforeAll(async () => {
  sys = await startTestSystem({ CHAT_SEND_RATE_PER_SEC: '100000', CHAT_SEND_BURST: '100000' });
  await sys.core.users.upsert({ id: 'p1', name: 'p1', role: 'PROFESSOR' });
  const h = sys.core.hotLog;
  persister = new ChatPersister({ index: h.persistIndex, commit: h.commit, rebuilder: h.rebuilder, hotTail: TAIL });
}, 30_000);
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await sys.close();
});

const stored = async (id: number) => Number((await sys.db.knex('chat_message').where({ request_idx: id }).count<{ n: string }[]>('* as n'))[0]!.n);
const roomBytes = async (id: number) => {
  const k = sys.core.keys;
  const sizes = await Promise.all([k.chatRoom(id), k.chatMeta(id), k.chatDedupe(id), k.persistMarks(id)].map((key) => sys.core.redis.memory('USAGE', key)));
  return sizes.reduce<number>((a, b) => a + Number(b ?? 0), 0);
};

async function sendCommitted(client: TestStompClient, id: number, from: number, n: number): Promise<void> {
  for (let i = from; i < from + n; i++) {
    await client.send(id, `message ${i} with some ordinary words in it`, `d-${id}-${i}`);
    if (i % 100 === 99) await persister.persistRoom(id);
  }
  await persister.persistRoom(id);
}

describe('bounded Redis per room', () => {
  it("a room's Redis memory after N and 4N committed messages is within 30 %", async () => {
    const id = await approvedRoom(sys, 's1');
    const student = await TestStompClient.connect(sys.gateway.port, sys.token('s1', 'STUDENT'), { subscribe: false });
    clients.push(student);
    const n = 400;
    await sendCommitted(student, id, 0, n);
    const atN = await roomBytes(id);
    await sendCommitted(student, id, n, 3 * n);
    const at4N = await roomBytes(id);
    expect(await stored(id)).toBe(4 * n);
    expect(at4N / atN).toBeLessThan(1.3);
    expect(await sys.core.redis.hlen(sys.core.keys.chatDedupe(id))).toBeLessThanOrEqual(2 * TAIL + 100);
    process.stdout.write(`dedupe-memory: room keys ${atN} B after ${n} committed messages, ${at4N} B after ${4 * n}\n`);
  }, 120_000);

  it('a retry of the first clientMsgId after 2,000 messages is receipted with its original seq, not stored or delivered again', async () => {
    const id = await approvedRoom(sys, 's1');
    const student = await TestStompClient.connect(sys.gateway.port, sys.token('s1', 'STUDENT'), { subscribe: false });
    const professor = await TestStompClient.connect(sys.gateway.port, sys.token('p1', 'PROFESSOR'));
    clients.push(student, professor);
    const first = await student.send(id, 'the very first', `d-${id}-first`);
    await sendCommitted(student, id, 0, 2000);
    const k = sys.core.keys;
    // The first id left Redis long ago: only PostgreSQL can answer for it.
    expect(await sys.core.redis.hexists(k.chatDedupe(id), `s1\u0000d-${id}-first`)).toBe(0);

    const retry = await student.send(id, 'the very first', `d-${id}-first`);
    expect(retry).toMatchObject({ seq: first['seq'], duplicate: 'true' });
    // A fresh message after it arrives; the retry never did.
    const fresh = await student.send(id, 'after the retry', `d-${id}-fresh`);
    await eventually(async () => professor.chat(id).some((e) => e.content === 'after the retry'), 10_000, 'fresh message delivered');
    expect(professor.chat(id).filter((e) => e.content === 'the very first')).toHaveLength(1);
    expect(Number(fresh['seq'])).toBeGreaterThan(Number(first['seq']));
    await persister.persistRoom(id);
    expect(await stored(id)).toBe(2002);

    // A rebuild loads only the window, and the promise still holds after it.
    await sys.core.hotLog.chatLog.invalidate(id);
    await sys.core.hotLog.rebuilder.rebuild(id, 'test');
    expect(await sys.core.redis.hlen(k.chatDedupe(id))).toBe(HOT_TAIL_MESSAGES);
    expect(await student.send(id, 'the very first', `d-${id}-first`)).toMatchObject({ seq: first['seq'], duplicate: 'true' });
    expect(await student.send(id, 'message 5', `d-${id}-5`)).toMatchObject({ duplicate: 'true' });
    await persister.persistRoom(id);
    expect(await stored(id)).toBe(2002);
  }, 120_000);
});
