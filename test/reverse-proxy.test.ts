import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import { approvedRoom } from './support/approved-room';
import { consultationIn } from './support/consultation-in-state';
import { startGatewayProcess, type RoleProcess } from './support/child-process';
import { eventually } from './support/eventually';
import { startOwnNginx, type OwnNginx } from './support/own-nginx';
import { TestStompClient } from './support/stomp-test-client';
import { startTestSystem, type TestSystem } from './support/test-system';

/**
 * Debian's nginx with the shipped config (deploy/nginx/office-hours.conf) in front of two gateway processes
 * that trust it (TRUST_PROXY=127.0.0.1/32). Clients come from other loopback addresses (127.0.0.x are all
 * this host), so nginx sees each one's own address.
 */
describe('behind nginx (deploy/nginx)', () => {
  let sys: TestSystem;
  let nginx: OwnNginx;
  const gateways: { proc: RoleProcess; port: number }[] = [];

  beforeAll(async () => {
    sys = await startTestSystem({}, {}, { s3: true });
    await sys.core.users.upsert({ id: 'p1', name: 'Lee', role: 'PROFESSOR' });
    const env = { ...process.env, ...sys.env, TRUST_PROXY: '127.0.0.1/32', REST_IP_RATE_PER_SEC: '3', WS_SESSIONS_PER_IP_PER_SEC: '5' };
    for (let i = 0; i < 2; i++) gateways.push(await startGatewayProcess(env));
    nginx = await startOwnNginx(gateways.map((g) => g.port));
  }, 60_000);
  afterAll(async () => {
    await nginx?.close();
    await Promise.all(gateways.map((g) => g.proc.kill('SIGKILL')));
    await sys?.close();
  }, 30_000);

  /** A REST call from a given local address to a port, with optional headers (an array: repeated lines) and body. */
  const call = (port: number, from: string, headers: Record<string, string | string[]> = {}, path = '/api/consultation/active', body?: object) =>
    new Promise<{ status: number; headers: Record<string, string | string[] | undefined> }>((resolve, reject) => {
      const method = body ? 'POST' : 'GET';
      const json = body ? { 'content-type': 'application/json' } : {};
      const req = request(
        { host: '127.0.0.1', port, path, method, localAddress: from, agent: false, headers: { connection: 'close', ...json, ...headers } },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
        },
      );
      req.on('error', reject);
      req.end(body ? JSON.stringify(body) : undefined);
    });
  const statuses = async (port: number, from: string, headers: (i: number) => Record<string, string | string[]> = () => ({})) => {
    const out: number[] = [];
    for (let i = 0; i < 6; i++) out.push((await call(port, from, headers(i))).status);
    return out;
  };

  it('gives two clients with different addresses separate per-IP budgets', async () => {
    expect(await statuses(nginx.port, '127.0.0.2')).toContain(429);
    expect((await call(nginx.port, '127.0.0.3')).status).toBe(401);
  });

  it('does not let a client choose its budget with its own X-Forwarded-For', async () => {
    // Rotating forged addresses does not escape its own budget, and naming another client spends none of theirs.
    expect(await statuses(nginx.port, '127.0.0.4', (i) => ({ 'x-forwarded-for': i % 2 ? '127.0.0.6' : `198.51.100.${i}` }))).toContain(429);
    expect((await call(nginx.port, '127.0.0.6')).status).toBe(401);
  });

  it("records the client's real address, whatever forwarding headers it sends through nginx", async () => {
    const professor = sys.token('p1', 'PROFESSOR');
    const hostile: [string, Record<string, string | string[]>][] = [
      ['127.0.0.9', { forwarded: 'for=192.0.2.1' }],
      ['127.0.0.10', { 'x-forwarded-for': ['192.0.2.2', '192.0.2.3'] }],
      ['127.0.0.11', { 'x-forwarded-for': `${'9'.repeat(40)}.${'f'.repeat(40)}`, forwarded: `for="${'x'.repeat(80)}"` }],
    ];
    for (const [from, headers] of hostile) {
      const id = await consultationIn(sys, 'PENDING');
      const approved = await call(nginx.port, from, { authorization: `Bearer ${professor}`, ...headers }, '/api/consultation/approve', { requestIdx: id });
      expect(approved.status).toBe(200);
      const rows = await sys.db.knex('audit_log').where({ action: 'APPROVE', target: `consultation:${id}` });
      expect(rows.map((r: { ip: string }) => r.ip)).toEqual([from]);
    }
  });

  it('does not let a client escape its budget by rotating its own Forwarded or doubled X-Forwarded-For lines', async () => {
    expect(await statuses(nginx.port, '127.0.0.12', (i) => ({ forwarded: `for=192.0.2.${i}` }))).toContain(429);
    expect(await statuses(nginx.port, '127.0.0.13', (i) => ({ 'x-forwarded-for': [`192.0.2.${i}`, `198.51.100.${i}`] }))).toContain(429);
  });

  it('keeps SockJS session ids and query strings out of the access log', async () => {
    await call(nginx.port, '127.0.0.14', {}, '/ws/chat/123/secret-session-id-42/xhr_send?t=1', {});
    for (const transport of ['jsonp?c=cb', 'htmlfile?c=cb', 'eventsource', 'websocket', 'xhr_streaming'])
      await call(nginx.port, '127.0.0.14', {}, `/ws/chat/123/secret-session-id-44/${transport}`);
    // Malformed paths the gateway does not serve may still carry an id: logged as "-".
    for (const path of ['/ws/chat//secret-session-id-45/xhr', '/ws/chat/./123/secret-session-id-46/xhr', '/ws/chat/123%2Fsecret-session-id-47/xhr'])
      await call(nginx.port, '127.0.0.14', {}, path);
    await call(nginx.port, '127.0.0.14', {}, '/ws/chat/websocket?access_token=secret-token-48');
    await call(nginx.port, '127.0.0.14', {}, '/api/consultation/active?access_token=secret-token-43');
    const log = await eventually(
      async () => {
        const text = readFileSync(nginx.accessLog, 'utf8');
        return text.includes('/api/consultation/active ') ? text : undefined;
      },
      5_000,
      'access log lines',
    );
    expect(log).toContain('"POST /ws/chat/123/-/xhr_send HTTP/1.1"');
    expect(log).toContain('"GET /ws/chat/123/-/jsonp HTTP/1.1"');
    expect(log).toContain('"GET /ws/chat/123/-/htmlfile HTTP/1.1"');
    expect(log).not.toMatch(/secret-session-id|secret-token/);
  });

  it('answers a request with 200 headers at once (nginx passes on only what the gateway reads); oversized headers get 431 from nginx', async () => {
    const many = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`x-filler-${i}`, String(i)]));
    const started = Date.now();
    expect((await call(nginx.port, '127.0.0.15', many)).status).toBe(401);
    expect((await call(nginx.port, '127.0.0.15', many, '/ws/chat/000/many-headers/xhr', {})).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(5_000);
    // No gateway stalled on them, so nginx marked none failed.
    expect(readFileSync(path.join(path.dirname(nginx.accessLog), 'error.log'), 'utf8')).not.toMatch(/upstream/);
    expect((await call(nginx.port, '127.0.0.15', { cookie: `a=${'x'.repeat(20 * 1024)}` })).status).toBe(431);
  });

  it('keeps new SockJS sessions per client address, whatever forwarding headers the client sends', async () => {
    const open = (from: string, i: number) =>
      new Promise<string>((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port: nginx.port,
            path: `/ws/chat/000/budget-${from.replaceAll('.', '-')}-${i}/xhr`,
            method: 'POST',
            localAddress: from,
            agent: false,
          },
          (res) => {
            let text = '';
            res.on('data', (d: Buffer) => (text += d.toString()));
            res.on('end', () => resolve(text));
          },
        );
        req.on('error', reject);
        req.setHeader('x-forwarded-for', `198.51.100.${i}`);
        req.setHeader('forwarded', `for=192.0.2.${i}`);
        req.end();
      });
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => open('127.0.0.17', i)));
    expect(answers.filter((a) => a.startsWith('c[1013,"RATE_LIMITED')).length).toBeGreaterThan(0);
    expect(await open('127.0.0.18', 0)).toBe('o\n');
  });

  it('keys a request straight to a gateway with a forged header on its peer', async () => {
    expect(await statuses(gateways[0]!.port, '127.0.0.5', (i) => ({ 'x-forwarded-for': `203.0.113.${i}` }))).toContain(429);
  });

  it("passes the client's request id through, or makes one", async () => {
    expect((await call(nginx.port, '127.0.0.7', { 'x-request-id': 'through-nginx-1' })).headers['x-request-id']).toBe('through-nginx-1');
    expect((await call(nginx.port, '127.0.0.7')).headers['x-request-id']).toMatch(/^[0-9a-f-]{16,}$/);
    expect((await call(nginx.port, '127.0.0.8', {}, '/readyz')).status).toBe(200);
  });

  it('carries STOMP end to end, and through a gateway drain the client reconnects to the other and syncs', async () => {
    const token = sys.token('s1', 'STUDENT');
    const id = await approvedRoom(sys, 's1');
    const first = await TestStompClient.connect(nginx.port, token);
    for (let i = 0; i < 3; i++) await first.send(id, `before ${i}`, `nx-${i}`);
    const sessions = async (port: number) => {
      const text = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { connection: 'close' } }).then((r) => r.text());
      return Number(/^oh_gateway_sessions (\d+)/m.exec(text)?.[1] ?? 0);
    };
    const holder = (await sessions(gateways[0]!.port)) > 0 ? 0 : 1;
    expect(await sessions(gateways[holder]!.port)).toBe(1);
    await gateways[holder]!.proc.kill('SIGTERM'); // drain: the session is told to reconnect, the process exits
    await eventually(async () => first.closed, 15_000, 'session closed by the drain');

    const second = await TestStompClient.connect(nginx.port, token);
    expect(await sessions(gateways[1 - holder]!.port)).toBe(1);
    await second.send(id, 'after', 'nx-after');
    await second.publishWithReceipt('/app/chat.sync', JSON.stringify({ requestIdx: id, afterSeq: 0 }));
    // The live event and the sync's replay of it: a client keeps one per seq.
    const bySeq = new Map(second.chat(id).map((e) => [e.seq!, e.content]));
    expect([...bySeq].sort((a, b) => a[0] - b[0]).map(([, content]) => content)).toEqual(['before 0', 'before 1', 'before 2', 'after']);
    await second.close();
  }, 60_000);
});
