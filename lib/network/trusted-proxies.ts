import { BlockList, isIP } from 'node:net';

/**
 * TRUST_PROXY (CONTRACT §2): the CIDRs of trusted reverse proxies, and how the client's address is read
 * behind them. Only when the socket's peer is trusted are `Forwarded` (RFC 7239) or `X-Forwarded-For`
 * read, right to left, past every trusted hop; the first untrusted address is the client's. A header from
 * an untrusted peer is ignored, so no client can pick its own address.
 */
export class TrustedProxies {
  private constructor(
    private readonly list: BlockList,
    readonly cidrs: readonly string[],
  ) {}

  /** Parses a comma list of CIDRs (a bare address is a /32 or /128); throws on a bad entry. */
  static parse(value: string): TrustedProxies {
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
    return new TrustedProxies(list, cidrs);
  }

  isTrusted(address: string): boolean {
    const family = isIP(address);
    if (!family) return false;
    return this.list.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }

  /** The client's address: the peer, or (behind trusted proxies) the nearest untrusted forwarded hop. */
  clientAddress(peer: string, headers: { forwarded?: string; forwardedFor?: string }): string {
    let client = normalizeAddress(peer);
    if (!this.isTrusted(client)) return client;
    const hops = headers.forwarded ? forwardedFor(headers.forwarded) : (headers.forwardedFor ?? '').split(',').map((h) => h.trim());
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = normalizeAddress(hops[i]!);
      if (!isIP(hop)) return client; // a malformed or obfuscated hop: the last trusted proxy's view stands
      client = hop;
      if (!this.isTrusted(hop)) return hop;
    }
    return client;
  }

  /** The scheme the client used (X-Forwarded-Proto from a trusted peer), or undefined. */
  forwardedProto(peer: string, header: string | undefined): 'http' | 'https' | undefined {
    if (!header || !this.isTrusted(normalizeAddress(peer))) return undefined;
    const proto = header.split(',')[0]!.trim().toLowerCase();
    return proto === 'https' || proto === 'http' ? proto : undefined;
  }
}

/**
 * The client's address and scheme for a request or upgrade whose socket peer is `rawPeer`, reading the
 * forwarding headers through `header` (TRUST_PROXY unset: the peer, and no scheme).
 */
export function resolveClient(
  proxies: TrustedProxies | undefined,
  rawPeer: string,
  header: (name: string) => string | undefined,
): { ip: string; proto: 'http' | 'https' | undefined } {
  const peer = normalizeAddress(rawPeer);
  if (!proxies) return { ip: peer, proto: undefined };
  return {
    ip: proxies.clientAddress(peer, { forwarded: header('forwarded'), forwardedFor: header('x-forwarded-for') }),
    proto: proxies.forwardedProto(peer, header('x-forwarded-proto')),
  };
}

/** `for=` values of a Forwarded header, in order (quotes, brackets and ports removed). */
function forwardedFor(header: string): string[] {
  const out: string[] = [];
  for (const element of header.split(',')) {
    for (const pair of element.split(';')) {
      const eq = pair.indexOf('=');
      if (eq < 0 || pair.slice(0, eq).trim().toLowerCase() !== 'for') continue;
      out.push(
        pair
          .slice(eq + 1)
          .trim()
          .replace(/^"|"$/g, ''),
      );
    }
  }
  return out;
}

/** One textual form per address: IPv4-mapped IPv6 as IPv4, brackets and ports dropped, uWS's long IPv6 shortened. */
export function normalizeAddress(raw: string): string {
  let a = raw.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(a);
  if (bracketed) a = bracketed[1]!;
  else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(a)) a = a.slice(0, a.lastIndexOf(':'));
  const mapped = /^(?:0{0,4}:){0,5}:?ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  if (mapped) return mapped[1]!;
  const longMapped = /^(?:0000:){5}ffff:([0-9a-f]{4}):([0-9a-f]{4})$/i.exec(a);
  if (longMapped) {
    const [hi, lo] = [parseInt(longMapped[1]!, 16), parseInt(longMapped[2]!, 16)];
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return a;
}
