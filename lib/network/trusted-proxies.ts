import { BlockList, isIP } from 'node:net';

/** The one forwarding header family read behind a trusted proxy (TRUST_PROXY_HEADER); the other is ignored. */
export const FORWARDING_HEADERS = ['x-forwarded-for', 'forwarded'] as const;
export type ForwardingHeader = (typeof FORWARDING_HEADERS)[number];

/**
 * TRUST_PROXY (CONTRACT §2): the CIDRs of trusted reverse proxies, and how the client's address is read
 * behind them. Only when the socket's peer is trusted is the configured header family read (every line of
 * it, in order), right to left, past every trusted hop; the first untrusted address is the client's. A
 * header from an untrusted peer is ignored, so no client can pick its own address.
 */
export class TrustedProxies {
  private constructor(
    private readonly list: BlockList,
    readonly cidrs: readonly string[],
    readonly header: ForwardingHeader,
  ) {}

  /** Parses a comma list of CIDRs (a bare address is a /32 or /128); throws on a bad entry. */
  static parse(value: string, header: ForwardingHeader = 'x-forwarded-for'): TrustedProxies {
    const list = new BlockList();
    const cidrs = value
      .split(',')
      .map((c) => c.trim())
      .filter(Boolean);
    for (const cidr of cidrs) {
      const [address = '', prefixText, extra] = cidr.split('/');
      const family = isIP(address);
      const max = family === 6 ? 128 : 32;
      const prefix = prefixText === undefined ? max : Number(prefixText);
      if (!family || extra !== undefined || !/^\d+$/.test(prefixText ?? String(max)) || prefix > max) throw new Error(`TRUST_PROXY: "${cidr}" is not a CIDR`);
      list.addSubnet(address, prefix, family === 6 ? 'ipv6' : 'ipv4');
    }
    return new TrustedProxies(list, cidrs, header);
  }

  isTrusted(address: string): boolean {
    const family = isIP(address);
    if (!family) return false;
    return this.list.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }

  /**
   * The client's address: the peer, or (behind trusted proxies) the nearest untrusted hop of `forwarding`,
   * the configured header's lines joined with commas in the order they came.
   */
  clientAddress(peer: string, forwarding: string | undefined): string {
    let client = canonicalAddress(peer) ?? peer;
    if (!this.isTrusted(client) || !forwarding) return client;
    const hops = this.header === 'forwarded' ? forwardedFor(forwarding) : forwarding.split(',');
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = canonicalAddress(hops[i]!);
      if (!hop) return client; // a malformed or obfuscated hop: the last trusted proxy's view stands
      client = hop;
      if (!this.isTrusted(hop)) return hop;
    }
    return client;
  }

  /** The scheme the client used (X-Forwarded-Proto from a trusted peer), or undefined. */
  forwardedProto(peer: string, header: string | undefined): 'http' | 'https' | undefined {
    if (!header || !this.isTrusted(canonicalAddress(peer) ?? peer)) return undefined;
    const proto = header.split(',')[0]!.trim().toLowerCase();
    return proto === 'https' || proto === 'http' ? proto : undefined;
  }
}

/**
 * The client's address and scheme for a request or upgrade whose socket peer is `rawPeer`. `header(name)`
 * returns every line of a header, joined with ", " in the order received (uWS `getHeader` gives only the
 * first: read `forEach`). TRUST_PROXY unset: the peer, and no scheme.
 */
export function resolveClient(
  proxies: TrustedProxies | undefined,
  rawPeer: string,
  header: (name: string) => string | undefined,
): { ip: string; proto: 'http' | 'https' | undefined } {
  const peer = canonicalAddress(rawPeer) ?? rawPeer;
  if (!proxies) return { ip: peer, proto: undefined };
  return {
    ip: proxies.clientAddress(peer, header(proxies.header)),
    proto: proxies.forwardedProto(peer, header('x-forwarded-proto')),
  };
}

/** `for=` values of a Forwarded header, one per element in order ('' for an element without one). */
function forwardedFor(header: string): string[] {
  return header.split(',').map((element) => {
    for (const pair of element.split(';')) {
      const eq = pair.indexOf('=');
      if (eq >= 0 && pair.slice(0, eq).trim().toLowerCase() === 'for')
        return pair
          .slice(eq + 1)
          .trim()
          .replace(/^"|"$/g, '');
    }
    return '';
  });
}

/**
 * One textual form per address, or undefined when `raw` is not an IP address: brackets and ports dropped,
 * IPv4-mapped IPv6 as IPv4, IPv6 compressed and lower-case (zone ids refused). At most 39 characters, so
 * it always fits the audit `ip` column.
 */
export function canonicalAddress(raw: string): string | undefined {
  let a = raw.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(a);
  if (bracketed) a = bracketed[1]!;
  else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(a)) a = a.slice(0, a.lastIndexOf(':'));
  const family = isIP(a);
  if (family === 4) return a;
  if (family !== 6) return undefined;
  let compressed: string;
  try {
    compressed = new URL(`http://[${a}]`).hostname.slice(1, -1);
  } catch {
    return undefined; // a zone id (fe80::1%eth0): never a client's address across a proxy
  }
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(compressed);
  if (!mapped) return compressed;
  const [hi, lo] = [parseInt(mapped[1]!, 16), parseInt(mapped[2]!, 16)];
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}
