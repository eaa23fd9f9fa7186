import { request } from 'node:http';
import { loadConfig } from '../lib/config/config';
import { TrustedProxies, canonicalAddress, resolveClient } from '../lib/network/trusted-proxies';
import { startTestSystem, type TestSystem } from './support/test-system';

describe('TRUST_PROXY: the client address behind trusted proxies', () => {
  const proxies = TrustedProxies.parse('127.0.0.1/32, 10.0.0.0/8, fd00::/8');
  const rfc7239 = TrustedProxies.parse('127.0.0.1/32, 10.0.0.0/8, fd00::/8', 'forwarded');

  it('walks X-Forwarded-For right to left past trusted hops, only from a trusted peer', () => {
    expect(proxies.clientAddress('127.0.0.1', '203.0.113.7')).toBe('203.0.113.7');
    expect(proxies.clientAddress('127.0.0.1', '198.51.100.1, 203.0.113.7, 10.1.2.3')).toBe('203.0.113.7');
    // A client that forges the header itself cannot pick its address: the first untrusted hop from the right wins.
    expect(proxies.clientAddress('127.0.0.1', '1.2.3.4, 203.0.113.7')).toBe('203.0.113.7');
    // An untrusted peer's header is ignored.
    expect(proxies.clientAddress('198.51.100.9', '1.2.3.4')).toBe('198.51.100.9');
    // Every hop trusted: the leftmost is the client; a malformed hop leaves the last trusted proxy's view.
    expect(proxies.clientAddress('127.0.0.1', '10.0.0.5, 10.0.0.6')).toBe('10.0.0.5');
    expect(proxies.clientAddress('127.0.0.1', 'unknown, 10.0.0.6')).toBe('10.0.0.6');
    expect(proxies.clientAddress('127.0.0.1', '203.0.113.7, 10.0.0.6, garbage, 10.0.0.7')).toBe('10.0.0.7');
    expect(proxies.clientAddress('127.0.0.1', undefined)).toBe('127.0.0.1');
  });

  it('reads RFC 7239 Forwarded (quoted, bracketed IPv6, ports) and IPv4-mapped peers', () => {
    expect(rfc7239.clientAddress('::ffff:127.0.0.1', 'for=198.51.100.1;proto=https, for="[2001:db8::7]:4711";by=10.0.0.1')).toBe('2001:db8::7');
    expect(rfc7239.clientAddress('127.0.0.1', 'for=203.0.113.7:8080')).toBe('203.0.113.7');
    // An element without for= is a hop nobody named: the walk ends at the last trusted one.
    expect(rfc7239.clientAddress('127.0.0.1', 'for=203.0.113.7, proto=https')).toBe('127.0.0.1');
    expect(rfc7239.clientAddress('127.0.0.1', 'for=_hidden')).toBe('127.0.0.1');
    expect(proxies.clientAddress('0000:0000:0000:0000:0000:ffff:7f00:0001', '203.0.113.7')).toBe('203.0.113.7');
  });

  it('reads one header family: the configured one, every line of it in order; the other is ignored', async () => {
    const peerOnly = (p: TrustedProxies, headers: Record<string, string>) => resolveClient(p, '127.0.0.1', (n) => headers[n]).ip;
    expect(peerOnly(proxies, { forwarded: 'for=192.0.2.1', 'x-forwarded-for': '203.0.113.7' })).toBe('203.0.113.7');
    expect(peerOnly(proxies, { forwarded: 'for=192.0.2.1' })).toBe('127.0.0.1');
    expect(peerOnly(rfc7239, { forwarded: 'for=192.0.2.1', 'x-forwarded-for': '203.0.113.7' })).toBe('192.0.2.1');
    expect(peerOnly(rfc7239, { 'x-forwarded-for': '203.0.113.7' })).toBe('127.0.0.1');
    // As a gateway joins two lines (a client's own, then the one its proxy added, as HAProxy's forwardfor does).
    expect(proxies.clientAddress('127.0.0.1', '6.6.6.6, 203.0.113.5')).toBe('203.0.113.5');
    expect(loadConfig({ TRUST_PROXY: '127.0.0.1', TRUST_PROXY_HEADER: 'Forwarded' }).config.trustedProxies?.header).toBe('forwarded');
    expect(loadConfig({ TRUST_PROXY: '127.0.0.1' }).config.trustedProxies?.header).toBe('x-forwarded-for');
    expect(() => loadConfig({ TRUST_PROXY: '127.0.0.1', TRUST_PROXY_HEADER: 'x-real-ip' })).toThrow(/TRUST_PROXY_HEADER/);
  });

  it('stores one canonical form that fits the audit ip column, whatever arrives', () => {
    expect(canonicalAddress('2001:0DB8:0000:0000:0000:0000:0000:0007')).toBe('2001:db8::7');
    expect(canonicalAddress('[::FFFF:203.0.113.9]:443')).toBe('203.0.113.9');
    expect(canonicalAddress('0000:0000:0000:0000:0000:ffff:cb00:7109')).toBe('203.0.113.9');
    expect(canonicalAddress('fe80::1%eth0')).toBeUndefined();
    expect(canonicalAddress('01.2.3.4')).toBeUndefined();
    expect(canonicalAddress('x'.repeat(80))).toBeUndefined();
    const longest = proxies.clientAddress('127.0.0.1', 'ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255');
    expect(longest).toBe('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff');
    expect(proxies.clientAddress('127.0.0.1', `${'9'.repeat(80)}, 10.0.0.1`)).toBe('10.0.0.1');
  });

  it('takes X-Forwarded-Proto from a trusted peer only', () => {
    expect(proxies.forwardedProto('127.0.0.1', 'https')).toBe('https');
    expect(proxies.forwardedProto('198.51.100.9', 'https')).toBeUndefined();
    expect(proxies.forwardedProto('127.0.0.1', 'gopher')).toBeUndefined();
  });

  it('refuses to start on a bad CIDR', () => {
    for (const bad of ['10.0.0.0/33', 'not-an-ip', '10.0.0.0/8/1', '::1/129', '10.0.0.0/x']) {
      expect(() => loadConfig({ TRUST_PROXY: bad })).toThrow(/TRUST_PROXY/);
    }
    expect(loadConfig({ TRUST_PROXY: '127.0.0.1, ::1/128' }).config.trustedProxies?.cidrs).toEqual(['127.0.0.1', '::1/128']);
    expect(loadConfig({}).config.trustedProxies).toBeUndefined();
  });

  describe('against a gateway', () => {
    let sys: TestSystem;
    beforeAll(async () => {
      sys = await startTestSystem({ TRUST_PROXY: '127.0.0.1/32', REST_IP_RATE_PER_SEC: '3' });
    }, 30_000);
    afterAll(() => sys.close());

    /** A REST call from a given local address (127.0.0.x are all this host), with optional headers. */
    const call = (from: string, headers: Record<string, string | string[]> = {}) =>
      new Promise<number>((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port: sys.gateway.port,
            path: '/api/consultation/active',
            localAddress: from,
            agent: false,
            headers: { connection: 'close', ...headers },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end();
      });
    const untilLimited = async (from: string, headers: Record<string, string> = {}) => {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push(await call(from, headers));
      return statuses;
    };

    it('gives each forwarded client its own per-IP budget behind a trusted proxy', async () => {
      expect(await untilLimited('127.0.0.1', { 'x-forwarded-for': '203.0.113.10' })).toContain(429);
      // The proxy's other clients still have theirs.
      expect(await call('127.0.0.1', { 'x-forwarded-for': '203.0.113.11' })).toBe(401);
    });

    it('joins repeated X-Forwarded-For lines in order: a client line before its proxy line does not choose the budget', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push(await call('127.0.0.1', { 'x-forwarded-for': [`198.51.100.${i}`, '203.0.113.20'] }));
      expect(statuses).toContain(429);
      expect(await call('127.0.0.1', { 'x-forwarded-for': ['203.0.113.20', '203.0.113.21'] })).toBe(401);
    });

    it('ignores the family it does not read (Forwarded, by default) even from a trusted proxy', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push(await call('127.0.0.1', { forwarded: `for=192.0.2.${i}`, 'x-forwarded-for': '203.0.113.30' }));
      expect(statuses).toContain(429);
    });

    it('keys a request straight from an untrusted peer on the peer, whatever it forwards', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push(await call('127.0.0.2', { 'x-forwarded-for': `198.51.100.${i}` }));
      expect(statuses).toContain(429);
    });
  });
});
