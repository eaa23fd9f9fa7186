import { Client, type IMessage } from '@stomp/stompjs';
import SockJS from 'sockjs-client';
import { approvedRoom } from './support/approved-room';
import { startGatewayProcess, type RoleProcess } from './support/child-process';
import { startRoundRobinProxy, type RoundRobinProxy } from './support/round-robin-proxy';
import { startTestSystem, testEnv, type TestSystem } from './support/test-system';

/**
 * The SockJS HTTP fallbacks (xhr polling, xhr streaming, eventsource) with a stock sockjs-client and
 * @stomp/stompjs: against one gateway, and through a proxy that refuses upgrades and sends each request
 * to the other of two gateways in turn (no sticky sessions).
 */
let sys: TestSystem;
let other: { proc: RoleProcess; port: number };
let proxy: RoundRobinProxy;
const TRANSPORTS = ['xhr-polling', 'xhr-streaming', 'eventsource'] as const;

beforeAll(async () => {
  const limits = { CHAT_SEND_RATE_PER_SEC: '100000', CHAT_SEND_BURST: '100000' };
  sys = await startTestSystem(limits);
  other = await startGatewayProcess({ ...process.env, ...testEnv(limits, sys.config.databaseUrl, sys.config.redisPrefix) });
  proxy = await startRoundRobinProxy([sys.gateway.port, other.port]);
  await sys.core.users.upsert({ id: 'p1', name: 'p1', role: 'PROFESSOR' });
}, 30_000);
afterAll(async () => {
  await proxy?.close();
  await other?.proc.kill();
  await sys?.close();
});

/** A stock @stomp/stompjs client over sockjs-client with one transport forced; resolves once CONNECTED. */
async function stompOver(port: number, transport: (typeof TRANSPORTS)[number], token: string) {
  const events: Record<string, unknown>[] = [];
  const client = new Client({
    webSocketFactory: () => new SockJS(`http://127.0.0.1:${port}/ws/chat`, undefined, { transports: [transport] }) as never,
    connectHeaders: { Authorization: `Bearer ${token}` },
    reconnectDelay: 0,
    heartbeatIncoming: 0,
    heartbeatOutgoing: 0,
  });
  await new Promise<void>((resolve, reject) => {
    client.onConnect = () => resolve();
    client.onStompError = (f) => reject(new Error(f.headers['message']));
    client.onWebSocketClose = (e: { code?: number }) => reject(new Error(`closed ${e.code}`));
    client.activate();
  });
  client.subscribe('/user/queue/chat', (m: IMessage) => events.push(JSON.parse(m.body) as Record<string, unknown>));
  const send = (destination: string, body: object) =>
    new Promise<Record<string, string>>((resolve) => {
      const receipt = `r-${Math.random()}`;
      client.watchForReceipt(receipt, (f) => resolve(f.headers));
      client.publish({ destination, body: JSON.stringify(body), headers: { receipt } });
    });
  const waitFor = async (pred: () => boolean, what: string) => {
    const deadline = Date.now() + 10_000;
    while (!pred()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(events).slice(0, 400)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { client, events, send, waitFor };
}

async function roundTrip(port: number, transport: (typeof TRANSPORTS)[number], tag: string): Promise<void> {
  const id = await approvedRoom(sys, `s-${tag}`);
  const c = await stompOver(port, transport, sys.token(`s-${tag}`, 'STUDENT'));
  const seqs: number[] = [];
  for (let i = 0; i < 20; i++)
    seqs.push(Number((await c.send('/app/chat.send', { requestIdx: id, content: `${tag} ${i}`, clientMsgId: `${tag}-${i}` }))['seq']));
  expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
  const live = () => c.events.filter((e) => e['type'] === 'CHAT').map((e) => e['content']);
  await c.waitFor(() => live().length === 20, 'live events');
  expect(live()).toEqual(Array.from({ length: 20 }, (_, i) => `${tag} ${i}`));
  await c.send('/app/chat.sync', { requestIdx: id, afterSeq: seqs[9]! });
  await c.waitFor(() => live().length === 30, 'synced events');
  expect(live().slice(20)).toEqual(Array.from({ length: 10 }, (_, i) => `${tag} ${i + 10}`));
  await c.client.deactivate();
}

describe('SockJS HTTP transports', () => {
  it.each(TRANSPORTS)('%s against one gateway: connect, subscribe, send with receipts, sync', async (transport) => {
    await roundTrip(sys.gateway.port, transport, `one-${transport}`);
  });

  it.each(TRANSPORTS)('%s across two gateways with every request sent to the other one in turn', async (transport) => {
    await roundTrip(proxy.port, transport, `two-${transport}`);
    // The session really was served by both gateways.
    const sessions = [...proxy.hits.values()].filter((byTarget) => byTarget.size === 2);
    expect(sessions.length).toBeGreaterThan(0);
  });
});
