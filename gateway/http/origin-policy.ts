/**
 * ALLOWED_ORIGINS (CONTRACT §2): unset → any origin in development, only same-origin and non-browser
 * clients (no Origin header) in production. Used for REST CORS and the WebSocket upgrade check. Behind a
 * trusted proxy that terminates TLS, same-origin means its X-Forwarded-Proto and the Host it passes on.
 */
export class OriginPolicy {
  constructor(
    private readonly allowed: readonly string[] | undefined,
    private readonly isProduction: boolean,
  ) {}

  isAllowed(origin: string | undefined, host: string | undefined, forwardedProto?: 'http' | 'https'): boolean {
    if (!origin) return true;
    if (this.allowed) return this.allowed.includes(origin) || this.allowed.includes('*');
    if (!this.isProduction) return true;
    try {
      const url = new URL(origin);
      return url.host === host && (forwardedProto === undefined || url.protocol === `${forwardedProto}:`);
    } catch {
      return false;
    }
  }
}
