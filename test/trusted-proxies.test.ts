import { request } from 'node:http';
import { loadConfig } from '../lib/config/config';
import { TrustedProxies } from '../lib/network/trusted-proxies';
import { startTestSystem, type TestSystem } from './support/test-system';

describe('TRUST_PROXY: the client address behind trusted proxies', () => {
  const proxies = TrustedProxies.parse('127.0.0.1/32, 10.0.0.0/8, fd00::/8');

  it('walks X-Forwarded-For right to left past trusted hops, only from a trusted peer', () => {
    expect(proxies.clientAddress('127.0.0.1', { forwardedFor: '203.0.113.7' })).toBe('203.0.113.7');
    expect(proxies.clientAddress('127.0.0.1', { forwardedFor: '198.51.100.1, 203.0.113.7, 10.1.2.3' })).toBe('203.0.113.7');
    // A client that forges the header itself cannot pick its address: the first untrusted hop from the right wins.
    expect(proxies.clientAddress('127.0.0.1', { forwardedFor: '1.2.3.4, 203.0.113.7' })).toBe('203.0.113.7');
    // An untrusted peer's header is ignored.
    expect(proxies.clientAddress('198.51.100.9', { forwardedFor: '1.2.3.4' })).toBe('198.51.100.9');
    // Every hop trusted: the leftmost is the client; a malformed hop leaves the last trusted proxy's view.
    expect(proxies.clientAddress('127.0.0.1', { forwardedFor: '10.0.0.5, 10.0.0.6' })).toBe('10.0.0.5');
    expect(proxies.clientAddress('127.0.0.1', { forwardedFor: 'unknown, 10.0.0.6' })).toBe('10.0.0.6');
    expect(proxies.clientAddress('127.0.0.1', {})).toBe('127.0.0.1');
  });

  it('reads RFC 7239 Forwarded (quoted, bracketed IPv6, ports) and IPv4-mapped peers', () => {
    expect(proxies.clientAddress('::ffff:127.0.0.1', { forwarded: 'for=198.51.100.1;proto=https, for="[2001:db8::7]:4711";by=10.0.0.1' })).toBe('2001:db8::7');
    expect(proxies.clientAddress('127.0.0.1', { forwarded: 'for=203.0.113.7:8080', forwardedFor: '1.2.3.4' })).toBe('203.0.113.7');
    expect(proxies.clientAddress('0000:0000:0000:0000:0000:ffff:7f00:0001', { forwardedFor: '203.0.113.7' })).toBe('203.0.113.7');
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
    const call = (from: string, headers: Record<string, string> = {}) =>
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
      expect(await call('127.0.0.1', { forwarded: 'for=203.0.113.12' })).toBe(401);
    });

    it('keys a request straight from an untrusted peer on the peer, whatever it forwards', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push(await call('127.0.0.2', { 'x-forwarded-for': `198.51.100.${i}` }));
      expect(statuses).toContain(429);
    });
  });
});
