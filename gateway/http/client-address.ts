import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { resolveClient, type TrustedProxies } from '../../lib/network/trusted-proxies';

/**
 * The client's address and scheme for a uWS request or upgrade (TRUST_PROXY), read before the handler's
 * first await. A repeated header's lines are joined in order: `getHeader` returns only the first, which
 * would let a client's own X-Forwarded-For line win over the one its proxy appended.
 */
export function clientOf(proxies: TrustedProxies | undefined, res: HttpResponse, req: HttpRequest): { ip: string; proto: 'http' | 'https' | undefined } {
  const peer = Buffer.from(res.getRemoteAddressAsText()).toString();
  if (!proxies) return resolveClient(undefined, peer, () => undefined);
  const wanted = new Set<string>([proxies.header, 'x-forwarded-proto']);
  const lines = new Map<string, string>();
  req.forEach((name, value) => {
    if (!wanted.has(name)) return;
    const earlier = lines.get(name);
    lines.set(name, earlier === undefined ? value : `${earlier}, ${value}`);
  });
  return resolveClient(proxies, peer, (name) => lines.get(name));
}
