import WebSocket from 'ws';
import { connect, type ChatEvent, type ChatMessage as ClientChatMessage, type OfficeHoursClient } from '../client/src';
import { buildArchiveRestorer } from '../lib/runtime/core-services';
import { CHAT_MESSAGE_FIELDS, type ChatMessage } from '../protocol/chat-message';
import { approvedRoom } from './support/approved-room';
import { eventually } from './support/eventually';
import { TestStompClient } from './support/stomp-test-client';
import { startTestSystem, type TestSystem } from './support/test-system';

/**
 * The chat message's fields are the protocol module's list, on every path a message travels: the STOMP
 * echo, a sync, REST history, the client library, the export, and an archive restored into an empty table.
 * A field added to protocol/chat-message.ts and missed on one of these paths fails here.
 */
let sys: TestSystem;
const stompClients: TestStompClient[] = [];
let library: OfficeHoursClient | undefined;

beforeAll(async () => {
  sys = await startTestSystem({}, {}, { workers: true });
  await sys.core.users.upsert({ id: 'p1', name: 'Lee', role: 'PROFESSOR' });
}, 30_000);
afterAll(async () => {
  await library?.close();
  await Promise.all(stompClients.map((c) => c.close()));
  await sys.close();
});

// The client library's message type is the protocol's: each is assignable to the other.
const sameType = (m: ChatMessage): ClientChatMessage => m;
const sameTypeBack = (m: ClientChatMessage): ChatMessage => m;
void [sameType, sameTypeBack];

const fields = [...CHAT_MESSAGE_FIELDS];
const withoutType = ({ type: _type, ...m }: Record<string, unknown>) => m;

it('every path carries exactly the protocol fields, in order, with the same values', async () => {
  const id = await approvedRoom(sys, 's1');
  const student = await TestStompClient.connect(sys.gateway.port, sys.token('s1', 'STUDENT'));
  stompClients.push(student);
  const chat: ChatEvent[] = [];
  library = connect({
    url: `ws://127.0.0.1:${sys.gateway.port}/ws/chat`,
    getToken: () => sys.token('p1', 'PROFESSOR'),
    webSocketFactory: (u) => new WebSocket(u, ['v12.stomp']),
  });
  library.on('CHAT', (e) => chat.push(e));
  await library.follow(id);

  await student.send(id, 'a field travels', 'fields-1');
  await student.waitFor(() => student.chat(id).length === 1, 5_000, 'echo');
  const echo = student.chat(id)[0] as unknown as Record<string, unknown>;
  expect(Object.keys(echo)).toEqual(['type', ...fields]);
  const message = withoutType(echo);

  // Sync on a fresh session.
  const late = await TestStompClient.connect(sys.gateway.port, sys.token('s1', 'STUDENT'));
  stompClients.push(late);
  await late.publishWithReceipt('/app/chat.sync', JSON.stringify({ requestIdx: id, afterSeq: 0 }));
  const synced = late.chat(id)[0] as unknown as Record<string, unknown>;
  expect(Object.keys(synced)).toEqual(['type', ...fields]);
  expect(withoutType(synced)).toEqual(message);

  // The client library.
  await eventually(async () => chat.length === 1, 5_000, 'library event');
  expect(Object.keys(chat[0]!)).toEqual(['type', ...fields]);
  expect(withoutType(chat[0]! as unknown as Record<string, unknown>)).toEqual(message);

  // REST history, once the message is in PostgreSQL too.
  await eventually(async () => (await sys.db.knex('chat_message').where({ request_idx: id })).length === 1, 10_000, 'committed');
  const history = async () =>
    (await sys.http('GET', `/api/chat/messages/${id}`, { token: sys.token('s1', 'STUDENT') })).body.items as Record<string, unknown>[];
  expect(Object.keys((await history())[0]!)).toEqual(fields);
  expect((await history())[0]).toEqual(message);

  // The export of the sender.
  const res = await fetch(`${sys.baseUrl}/api/me/export`, { headers: { authorization: `Bearer ${sys.token('s1', 'STUDENT')}`, connection: 'close' } });
  const exported = (await res.text())
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l['type'] === 'message' && l['requestIdx'] === id);
  expect(exported.map((l) => Object.keys(l))).toEqual([['type', ...fields]]);
  expect(withoutType(exported[0]!)).toEqual(message);

  // The archive, restored into an empty table.
  await sys.http('POST', '/api/consultation/end', { token: sys.token('p1', 'PROFESSOR'), body: { requestIdx: id } });
  await eventually(
    async () => (await sys.db.knex('CONSULTATION_REQUEST_TBL').where({ request_idx: id }).first())?.archived_at ?? undefined,
    15_000,
    'archived',
  );
  await sys.db.knex('chat_message').where({ request_idx: id }).del();
  expect(await buildArchiveRestorer(sys.core).restore(id, 'archive')).toMatchObject({ inserted: 1, legacy: false });
  expect(await history()).toEqual([message]);
}, 60_000);
