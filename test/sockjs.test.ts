import SockJS from 'sockjs-client';
import WebSocket from 'ws';
import { approvedRoom } from './support/approved-room';
import { stompOver } from './support/stompjs-session';
import { startTestSystem, type TestSystem } from './support/test-system';

/**
 * Spring-era clients: `new SockJS('/ws/chat')` with @stomp/stompjs, unmodified. The SockJS WebSocket
 * transport and the raw `/ws/chat/websocket` endpoint carry the same STOMP sessions as `/ws/chat`.
 */
describe('SockJS endpoint (/ws/chat)', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem({ CHAT_SEND_RATE_PER_SEC: '1000', CHAT_SEND_BURST: '1000' });
    await sys.core.users.upsert({ id: 'p1', name: 'p1', role: 'PROFESSOR' });
  }, 30_000);
  afterAll(() => sys.close());

  const base = () => `http://127.0.0.1:${sys.gateway.port}/ws/chat`;

  it('answers /info (not cached, CORS), its preflight, and the greeting', async () => {
    const info = await fetch(`${base()}/info`, { headers: { connection: 'close', origin: 'https://app.example' } });
    expect(info.status).toBe(200);
    expect(info.headers.get('cache-control')).toMatch(/no-store/);
    expect(info.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(info.headers.get('access-control-allow-credentials')).toBe('true');
    const body = (await info.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ websocket: true, cookie_needed: false, origins: ['*:*'] });
    expect(typeof body['entropy']).toBe('number');
    const preflight = await fetch(`${base()}/info`, { method: 'OPTIONS', headers: { connection: 'close', origin: 'https://app.example' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toBe('OPTIONS, GET');
    expect(await (await fetch(base(), { headers: { connection: 'close' } })).text()).toBe('Welcome to SockJS!\n');
  });

  it.each([
    ['the SockJS WebSocket transport', () => new SockJS(`http://127.0.0.1:${sys.gateway.port}/ws/chat`, undefined, { transports: ['websocket'] })],
    ['the raw /ws/chat/websocket endpoint', () => new WebSocket(`ws://127.0.0.1:${sys.gateway.port}/ws/chat/websocket`, ['v12.stomp'])],
  ])('carries a STOMP session over %s: subscribe, send with receipts, sync', async (_name, factory) => {
    const id = await approvedRoom(sys, 's-sockjs');
    const token = sys.token('s-sockjs', 'STUDENT');
    const c = await stompOver(factory, token);
    const first = await c.send('/app/chat.send', { requestIdx: id, content: 'over sockjs 1', clientMsgId: `${_name}-1` });
    const second = await c.send('/app/chat.send', { requestIdx: id, content: 'over sockjs 2', clientMsgId: `${_name}-2` });
    expect(Number(second['seq'])).toBe(Number(first['seq']) + 1);
    await c.send('/app/chat.sync', { requestIdx: id, afterSeq: 0 });
    const contents = c.events.filter((e) => e['type'] === 'CHAT').map((e) => e['content']);
    expect(contents).toEqual(expect.arrayContaining(['over sockjs 1', 'over sockjs 2']));
    await c.client.deactivate();
  });

  it('handles STOMP frames split across SockJS messages and batched in one', async () => {
    const token = sys.token('s-frames', 'STUDENT');
    const ws = new WebSocket(`ws://127.0.0.1:${sys.gateway.port}/ws/chat/123/abc-session/websocket`);
    const received: string[] = [];
    let notify = () => undefined as void;
    ws.on('message', (m: Buffer) => {
      received.push(m.toString());
      notify();
    });
    const until = (pred: () => boolean) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out: ${JSON.stringify(received)}`)), 5000);
        const check = () => {
          if (pred()) {
            clearTimeout(timer);
            resolve();
          }
        };
        notify = check;
        check();
      });
    await new Promise((resolve) => ws.once('open', resolve));
    await until(() => received[0] === 'o');
    const connect = `CONNECT\naccept-version:1.2\nAuthorization:Bearer ${token}\n\n\u0000`;
    ws.send(JSON.stringify([connect.slice(0, 20)]));
    ws.send(JSON.stringify([connect.slice(20)]));
    await until(() => received.some((r) => r.startsWith('a[') && r.includes('CONNECTED')));
    // Two frames in one SockJS message: both answered.
    ws.send(
      JSON.stringify([
        'SUBSCRIBE\nid:0\ndestination:/user/queue/chat\nreceipt:s0\n\n\u0000',
        'SUBSCRIBE\nid:1\ndestination:/user/queue/errors\nreceipt:s1\n\n\u0000',
      ]),
    );
    await until(() => received.join('').includes('receipt-id:s0') && received.join('').includes('receipt-id:s1'));
    // Not SockJS framing: an ERROR and a c[…] close frame.
    ws.send('{not json');
    await until(() => received.some((r) => r.startsWith('c[')));
    ws.close();
  });
});
