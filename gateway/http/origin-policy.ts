/**
 * ALLOWED_ORIGINS (CONTRACT §2): unset → any origin in development, only same-origin and non-browser
 * clients (no Origin header) in production. Used for REST CORS and the WebSocket upgrade check.
 */
export class OriginPolicy {
  constructor(
    private readonly allowed: readonly string[] | undefined,
    private readonly isProduction: boolean,
  ) {}

  isAllowed(origin: string | undefined, host: string | undefined): boolean {
    if (!origin) return true;
    if (this.allowed) return this.allowed.includes(origin) || this.allowed.includes('*');
    if (!this.isProduction) return true;
    try {
      return new URL(origin).host === host;
    } catch {
      return false;
    }
  }
}
