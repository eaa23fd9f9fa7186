import { randomUUID } from 'node:crypto';
import { TestStompClient } from './support/stomp-test-client';
import { RawSocket } from './support/raw-websocket';
import { badTokens } from './support/tokens';
import { consultationIn, type ConsultationState } from './support/consultation-in-state';
import { startTestSystem, type TestSystem } from './support/test-system';

let sys: TestSystem;
let studentToken: string;
let professorToken: string;
const clients: TestStompClient[] = [];

beforeAll(async () => {
  // A throughput test: both sides pipeline 500 sends at once, past the default inbound frame bound.
  sys = await startTestSystem({
    CHAT_SEND_RATE_PER_SEC: '100000',
    CHAT_SEND_BURST: '100000',
    STOMP_HEARTBEAT_MS: '500',
    STOMP_MAX_QUEUED_FRAMES: '2000',
    STOMP_TOKEN_GRACE_MS: '500',
  });
  studentToken = sys.token('s1', 'STUDENT', { name: 'Kim' });
  professorToken = sys.token('p1', 'PROFESSOR', { name: 'Lee' });
  await sys.core.users.upsert({ id: 'p1', name: 'Lee', role: 'PROFESSOR' });
  await sys.core.users.upsert({ id: 's2', name: 'Outsider', role: 'STUDENT' });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});
afterAll(() => sys.close());

const connect = async (token: string, options: Parameters<typeof TestStompClient.connect>[2] = {}) => {
  const c = await TestStompClient.connect(sys.gateway.port, token, options);
  clients.push(c);
  return c;
};

const consultation = (state: ConsultationState) => consultationIn(sys, state);

describe('STOMP connect', () => {
  it.each(['header', 'passcode', 'query'] as const)('authenticates with the %s form', async (via) => {
    const c = await connect(studentToken, { via });
    expect(c.client.connected).toBe(true);
  });

  it('negotiates heart-beats and names the user in CONNECTED', async () => {
    const c = await connect(studentToken, { heartbeat: [1000, 1000], subscribe: false });
    expect(c.connectedHeaders).toMatchObject({
      version: '1.2',
      'heart-beat': expect.stringMatching(/^\d+,\d+$/),
      'user-name': 's1',
      server: expect.stringMatching(/^office-hours/),
    });
    // session-expires: the token's exp, in epoch ms.
    const exp = (JSON.parse(Buffer.from(studentToken.split('.')[1]!, 'base64url').toString()) as { exp: number }).exp;
    expect(c.connectedHeaders['session-expires']).toBe(String(exp * 1000));
  });

  it('closes a client that stops sending heart-beats', async () => {
    const c = await connect(studentToken, { heartbeat: [200, 0], subscribe: false });
    // Stop the client's heart-beats without closing the socket: the server must notice.
    const handler = (c.client as unknown as { _stompHandler: { _pinger?: { stop(): void }; _cleanUp?: () => void } })._stompHandler;
    handler._pinger?.stop();
    await c.waitClosed(8000);
    expect(c.stompError?.headers['message']).toMatch(/heart-beat/);
  });

  it.each([
    ['a bad token', 'garbage'],
    ['an expired token', 'expired'],
    ['an alg:none token', 'none'],
    ['no token', undefined],
  ])('refuses %s with an ERROR and a close', async (_n, kind) => {
    const token = kind === 'expired' ? badTokens.expired() : kind === 'none' ? badTokens.algNone() : kind;
    await expect(TestStompClient.connect(sys.gateway.port, token)).rejects.toThrow(/closed before CONNECTED: UNAUTHENTICATED/);
  });

  it('closes a session when its token expires (plus the grace period) without a refresh', async () => {
    const c = await connect(sys.token('s1', 'STUDENT', { expiresInSec: 2 }));
    await c.waitClosed(6000);
    expect(c.stompError?.headers['message']).toMatch(/token expired/);
  });
});

describe('STOMP frames', () => {
  it('MESSAGE frames carry an ack header in client-individual mode, and ACK is accepted', async () => {
    const id = await consultation('IN_PROGRESS');
    const professor = await connect(professorToken, { ack: 'client-individual' });
    const student = await connect(studentToken);
    await student.send(id, 'ack me', 'ack-1');
    await professor.waitFor(() => professor.chat(id).length === 1);
    const headers = professor.headers[professor.headers.length - 1]!;
    expect(headers['ack']).toBe(headers['message-id']);
    expect(headers['subscription']).toBeDefined();
    expect(headers['destination']).toBe('/user/queue/chat');
    expect(student.headers[student.headers.length - 1]!['ack']).toBeUndefined();
  });

  it('answers DISCONNECT with its RECEIPT, then closes', async () => {
    const raw = await RawSocket.open(sys.gateway.port);
    raw.send(`CONNECT\naccept-version:1.2\nAuthorization:Bearer ${studentToken}\n\n\0`);
    raw.send('DISCONNECT\nreceipt:bye-1\n\n\0');
    expect(await raw.waitClosed()).toBe(1000);
    expect(raw.received[0]).toMatch(/^CONNECTED\n/);
    expect(raw.received[1]).toBe('RECEIPT\nreceipt-id:bye-1\n\n\0');
  });

  it('serves a client that offers only the v11.stomp subprotocol', async () => {
    const c = await connect(studentToken, { protocols: ['v11.stomp'], subscribe: false });
    expect(c.connectedHeaders['version']).toBe('1.2');
  });
});

describe('chat', () => {
  it('delivers 20 messages of every kind in order, with receipts carrying the seq', async () => {
    const id = await consultation('IN_PROGRESS');
    const student = await connect(studentToken);
    const professor = await connect(professorToken);
    const texts = Array.from(
      { length: 20 },
      (_, i) =>
        [
          `안녕하세요 교수님 ${i}`,
          `emoji 👩‍🏫🎓 ${i}`,
          `multi\nline\r\n${i}`,
          `"quotes" and 'single' \\ backslash ${i}`,
          `<b>html</b> &amp; <script>x</script> ${i}`,
        ][i % 5]!,
    );
    for (let i = 0; i < texts.length; i++) {
      const receipt = await student.send(id, texts[i]!, `m-${i}`);
      expect(receipt['seq']).toBe(String(i + 1));
    }
    await professor.waitFor(() => professor.chat(id).length === 20, 10_000, '20 messages');
    await student.waitFor(() => student.chat(id).length === 20, 10_000, 'echo to sender');
    expect(professor.chat(id).map((e) => e.content)).toEqual(texts);
    expect(professor.chat(id).map((e) => e.seq)).toEqual(texts.map((_, i) => i + 1));
    const first = professor.chat(id)[0]!;
    expect(Object.keys(first).sort()).toEqual(['clientMsgId', 'content', 'messageId', 'requestIdx', 'senderId', 'senderRole', 'sentAt', 'seq', 'type'].sort());
    expect(first).toMatchObject({ senderId: 's1', senderRole: 'STUDENT', clientMsgId: 'm-0', requestIdx: id });
  });

  it('both sides sending 500 messages at once see the identical sequence', async () => {
    const id = await consultation('IN_PROGRESS');
    const student = await connect(studentToken);
    const professor = await connect(professorToken);
    await Promise.all([
      Promise.all(Array.from({ length: 500 }, (_, i) => student.send(id, `s${i}`, `s-${i}`))),
      Promise.all(Array.from({ length: 500 }, (_, i) => professor.send(id, `p${i}`, `p-${i}`))),
    ]);
    await student.waitFor(() => student.chat(id).length === 1000, 20_000, 'student sees 1000');
    await professor.waitFor(() => professor.chat(id).length === 1000, 20_000, 'professor sees 1000');
    const seqS = student.chat(id).map((e) => `${e.seq}:${e.clientMsgId}`);
    const seqP = professor.chat(id).map((e) => `${e.seq}:${e.clientMsgId}`);
    expect(seqS).toEqual(seqP);
    expect(student.chat(id).map((e) => e.seq)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    // Each sender's own messages keep their sending order.
    const own = student
      .chat(id)
      .filter((e) => e.senderId === 's1')
      .map((e) => e.content);
    expect(own).toEqual(Array.from({ length: 500 }, (_, i) => `s${i}`));
  });

  it('stores a repeated clientMsgId once and answers with the original seq', async () => {
    const id = await consultation('IN_PROGRESS');
    const student = await connect(studentToken);
    const professor = await connect(professorToken);
    const first = await student.send(id, 'once', 'dup-1');
    await student.send(id, 'other', 'dup-2');
    const again = await student.send(id, 'once (retry)', 'dup-1');
    expect(again['seq']).toBe(first['seq']);
    expect(again['duplicate']).toBe('true');
    await professor.waitFor(() => professor.chat(id).length === 2);
    const history = await sys.http('GET', `/api/chat/messages/${id}`, { token: professorToken });
    expect(history.body.items.map((m: { clientMsgId: string }) => m.clientMsgId)).toEqual(['dup-1', 'dup-2']);
  });

  it("an outsider's send is refused with NOT_PARTICIPANT and nothing is delivered", async () => {
    const id = await consultation('IN_PROGRESS');
    const professor = await connect(professorToken);
    const outsider = await connect(sys.token('s2', 'STUDENT'));
    await expect(outsider.send(id, 'let me in', 'x-1')).rejects.toThrow(/NOT_PARTICIPANT/);
    expect(outsider.errors[0]).toMatchObject({ type: 'ERROR', code: 'NOT_PARTICIPANT', requestIdx: id, clientMsgId: 'x-1' });
    await professor.send(id, 'marker', 'marker-1');
    await professor.waitFor(() => professor.chat(id).length === 1);
    expect(professor.chat(id).map((e) => e.content)).toEqual(['marker']);
    expect(outsider.chat(id)).toEqual([]);
  });

  it('reconnect + sync returns exactly the missed messages, in order', async () => {
    const id = await consultation('IN_PROGRESS');
    const professor = await connect(professorToken);
    let student = await connect(studentToken);
    await professor.send(id, 'one', 'c-1');
    await student.waitFor(() => student.chat(id).length === 1);
    const lastSeen = student.chat(id)[0]!.seq!;
    await student.close();
    for (let i = 2; i <= 6; i++) await professor.send(id, `missed ${i}`, `c-${i}`);
    student = await connect(studentToken);
    await student.publishWithReceipt('/app/chat.sync', JSON.stringify({ requestIdx: id, afterSeq: lastSeen }));
    expect(student.chat(id).map((e) => e.content)).toEqual(['missed 2', 'missed 3', 'missed 4', 'missed 5', 'missed 6']);
  });

  it('a first message on a SCHEDULED consultation starts it, with one STATUS event before the CHAT', async () => {
    const id = await consultation('SCHEDULED');
    const student = await connect(studentToken);
    const professor = await connect(professorToken);
    await student.send(id, 'hello', 'start-1');
    await student.send(id, 'again', 'start-2');
    await professor.waitFor(() => professor.chat(id).length === 2);
    const mine = professor.events.filter((e) => e.requestIdx === id);
    expect(mine.map((e) => e.type)).toEqual(['STATUS', 'CHAT', 'CHAT']);
    expect(mine[0]).toMatchObject({ status: 'IN_PROGRESS' });
    expect((await sys.http('GET', `/api/consultation/${id}`, { token: studentToken })).body.status).toBe('IN_PROGRESS');
  });

  it('READ, TYPING and REST lifecycle STATUS events reach the peer; sends after COMPLETED are refused', async () => {
    const id = await consultation('IN_PROGRESS');
    const student = await connect(studentToken);
    const professor = await connect(professorToken);
    await professor.publishWithReceipt('/app/chat.read', JSON.stringify({ requestIdx: id }));
    await student.waitFor(() => student.events.some((e) => e.type === 'READ' && e.requestIdx === id));
    expect(student.events.find((e) => e.type === 'READ')).toMatchObject({ requestIdx: id, readerId: 'p1', readAt: expect.any(String) });
    const read = await sys.http('GET', `/api/consultation/${id}`, { token: studentToken });
    expect(read.body.lastReadTimeProfessor).toBeTruthy();

    await student.publishWithReceipt('/app/chat.typing', JSON.stringify({ requestIdx: id }));
    await professor.waitFor(() => professor.events.some((e) => e.type === 'TYPING'));
    expect(professor.events.find((e) => e.type === 'TYPING')).toEqual({ type: 'TYPING', requestIdx: id, userId: 's1' });
    expect(student.events.some((e) => e.type === 'TYPING')).toBe(false);

    await sys.http('POST', '/api/consultation/end', { token: professorToken, body: { requestIdx: id } });
    await student.waitFor(() => student.events.some((e) => e.type === 'STATUS' && e.status === 'COMPLETED'));
    expect(student.events.find((e) => e.type === 'STATUS' && e.status === 'COMPLETED')).toEqual({
      type: 'STATUS',
      requestIdx: id,
      status: 'COMPLETED',
      endReason: 'USER',
    });
    await expect(student.send(id, 'too late', 'late-1')).rejects.toThrow(/INVALID_STATE_TRANSITION/);
  });

  it('refuses messages to PENDING consultations, over-long and blank messages, and a missing clientMsgId', async () => {
    const pending = await consultation('PENDING');
    const open = await consultation('IN_PROGRESS');
    const student = await connect(studentToken);
    await expect(student.send(pending, 'hi', 'p-1')).rejects.toThrow(/INVALID_STATE_TRANSITION/);
    await expect(student.send(open, 'x'.repeat(4001), 'long-1')).rejects.toThrow(/VALIDATION_FAILED/);
    await expect(student.send(open, '   ', 'blank-1')).rejects.toThrow(/VALIDATION_FAILED/);
    await expect(student.send(open, 'nul \u0000 inside', 'nul-1')).rejects.toThrow(/NUL/);
    await expect(student.publishWithReceipt('/app/chat.send', JSON.stringify({ requestIdx: open, content: 'x' }))).rejects.toThrow(/clientMsgId/);
    await expect(student.publishWithReceipt('/app/chat.send', 'not json')).rejects.toThrow(/VALIDATION_FAILED/);
    await expect(student.publishWithReceipt('/app/chat.nope', '{}')).rejects.toThrow(/NOT_FOUND/);
    // 4000 characters counted as characters, not UTF-16 units.
    await expect(student.send(open, '😀'.repeat(4000), 'emoji-4000')).resolves.toMatchObject({ seq: '1' });
    expect(student.client.connected).toBe(true);
  });

  it("every device of a user receives each event once, including the sender's other devices", async () => {
    const id = await consultation('IN_PROGRESS');
    const phone = await connect(studentToken);
    const laptop = await connect(studentToken);
    const professor = await connect(professorToken);
    await phone.send(id, 'from phone', randomUUID());
    for (const c of [phone, laptop, professor]) await c.waitFor(() => c.chat(id).length === 1);
    await professor.send(id, 'reply', randomUUID());
    for (const c of [phone, laptop, professor]) await c.waitFor(() => c.chat(id).length === 2);
    expect(laptop.chat(id).map((e) => e.content)).toEqual(['from phone', 'reply']);
  });

  it('pages the history over REST for participants and ADMIN only', async () => {
    const id = await consultation('IN_PROGRESS');
    const student = await connect(studentToken);
    for (let i = 0; i < 5; i++) await student.send(id, `h${i}`, `h-${i}`);
    const page = await sys.http('GET', `/api/chat/messages/${id}?afterSeq=1&limit=2`, { token: professorToken });
    expect(page.body.items.map((m: { seq: number }) => m.seq)).toEqual([2, 3]);
    expect(page.body.nextAfterSeq).toBe(3);
    expect((await sys.http('GET', `/api/chat/messages/${id}`, { token: sys.token('a1', 'ADMIN') })).status).toBe(200);
    expect((await sys.http('GET', `/api/chat/messages/${id}`, { token: sys.token('s2', 'STUDENT') })).body.error.code).toBe('NOT_PARTICIPANT');
    expect((await sys.http('GET', `/api/chat/messages/${id}?limit=501`, { token: professorToken })).status).toBe(400);
  });
});
