import { createHash } from 'node:crypto';
import { ChatLog } from '../lib/chat/hot-log/chat-log';
import { ChatPersister } from '../lib/chat/persistence/chat-persister';
import { HOT_TAIL_MESSAGES } from '../lib/chat/hot-log/hot-tail';
import { approvedRoom } from './support/approved-room';
import { eventually } from './support/eventually';
import { messageToAppend } from './support/message-to-append';
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
  const keys = [k.chatRoom(id), k.chatMeta(id), k.chatDedupe(id), k.chatDedupeFilter(id), k.persistMarks(id)];
  const sizes = await Promise.all(keys.map((key) => sys.core.redis.memory('USAGE', key)));
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

  it('fresh ids past the window are appended without asking PostgreSQL: the trimmed-id filter vouches for them', async () => {
    const id = await approvedRoom(sys, 's2');
    const student = await TestStompClient.connect(sys.gateway.port, sys.token('s2', 'STUDENT'), { subscribe: false });
    clients.push(student);
    const first = await student.send(id, 'the very first', `f-${id}-first`);
    await sendCommitted(student, id, 0, 1000);
    const k = sys.core.keys;
    expect(await sys.core.redis.hexists(k.chatDedupe(id), `s2\u0000f-${id}-first`)).toBe(0);
    expect(await sys.core.redis.strlen(k.chatDedupeFilter(id))).toBeLessThanOrEqual(8192);

    const lookups = jest.spyOn(sys.core.hotLog.chatMessages, 'originalSeqs');
    try {
      await sendCommitted(student, id, 1000, 300);
      // A false "maybe" costs one lookup; at about 1,300 trimmed ids it comes once in some 6,000 sends.
      expect(lookups.mock.calls.length).toBeLessThanOrEqual(2);
      const callsBefore = lookups.mock.calls.length;
      // A retry of a trimmed id is still PostgreSQL's to answer.
      expect(await student.send(id, 'the very first', `f-${id}-first`)).toMatchObject({ seq: first['seq'], duplicate: 'true' });
      expect(lookups.mock.calls.length).toBeGreaterThan(callsBefore);
    } finally {
      lookups.mockRestore();
    }
    await persister.persistRoom(id);
    expect(await stored(id)).toBe(1301);
  }, 120_000);

  it("when the filter cannot vouch, a sender's pipelined sends are checked against PostgreSQL and keep their order", async () => {
    const id = await approvedRoom(sys, 's3');
    const student = await TestStompClient.connect(sys.gateway.port, sys.token('s3', 'STUDENT'), { subscribe: false });
    clients.push(student);
    await sendCommitted(student, id, 0, 400);
    // A filter with every bit set answers "maybe" for every id: the worst case of false positives.
    await sys.core.redis.set(sys.core.keys.chatDedupeFilter(id), Buffer.alloc(8192, 0xff), 'KEEPTTL');
    const receipts = await Promise.all(Array.from({ length: 30 }, (_, i) => student.send(id, `pipelined ${i}`, `o-${id}-${i}`)));
    const seqs = receipts.map((r) => Number(r['seq']));
    expect(receipts.every((r) => r['duplicate'] === undefined)).toBe(true);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(30);
    await persister.persistRoom(id);
    expect(await stored(id)).toBe(430);
  }, 120_000);

  it('a refusal holds the room: a fresh id sent meanwhile (from another gateway) is checked too, so none overtakes', async () => {
    const id = await approvedRoom(sys, 's4');
    const student = await TestStompClient.connect(sys.gateway.port, sys.token('s4', 'STUDENT'), { subscribe: false });
    clients.push(student);
    await sendCommitted(student, id, 0, 400);
    const k = sys.core.keys;
    const c = sys.core.config.chat;
    const { chatLog: gatewayA, chatMessages, persistIndex } = sys.core.hotLog;
    const gatewayB = new ChatLog({
      redis: sys.core.redis,
      keys: k,
      ttlMs: c.ttlMs,
      limits: { sendRatePerSec: c.sendRatePerSec, sendBurst: c.sendBurst, maxLogMessages: c.maxLogMessages, maxLogBytes: c.maxLogBytes },
      persistIndex,
      durable: chatMessages,
    });
    // A false "maybe" for one id: its three bits set by hand.
    const sha = createHash('sha1').update(`s4\u0000h-${id}-0`).digest('hex');
    for (const at of [0, 4, 8]) await sys.core.redis.setbit(k.chatDedupeFilter(id), parseInt(sha.slice(at, at + 4), 16), 1);

    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const original = chatMessages.originalSeqs.bind(chatMessages);
    let calls = 0;
    let firstLookup!: () => void;
    const looked = new Promise<void>((resolve) => (firstLookup = resolve));
    const lookups = jest.spyOn(chatMessages, 'originalSeqs').mockImplementation(async (room, messages) => {
      if (++calls === 1) {
        firstLookup();
        await gate;
      }
      return original(room, messages);
    });
    const holdUntil = async () => Number(await sys.core.redis.hget(k.chatMeta(id), 'hold'));
    try {
      const held = gatewayA.append(messageToAppend(id, 's4', `h-${id}-0`), Date.now());
      await looked;
      const holdStart = await holdUntil();
      const meanwhile = await gatewayB.append(messageToAppend(id, 's4', `h-${id}-1`), Date.now() + 1000);
      expect(calls).toBe(2);
      // A message refused only because of the hold does not move its end: a busy room's hold still expires.
      expect(await holdUntil()).toBe(holdStart);
      release();
      const first = await held;
      expect(first.kind).toBe('appended');
      expect(meanwhile.kind).toBe('appended');
    } finally {
      lookups.mockRestore();
      release();
    }
    await persister.persistRoom(id);
    expect(await stored(id)).toBe(402);
  }, 120_000);
});
