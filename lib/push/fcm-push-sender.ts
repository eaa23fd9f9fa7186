import type { Agent } from 'node:http';
import { cert, initializeApp, type App, type ServiceAccount } from 'firebase-admin/app';
import { getMessaging, type Messaging } from 'firebase-admin/messaging';
import { classifyFcmError, type PushSender, type TokenOutcome } from './push-sender';

let appCounter = 0;

/**
 * FCM data messages through firebase-admin. `credentials` is a path to, or the JSON of, a service
 * account. An `httpAgent` reroutes both Google endpoints (tests point it at a local stand-in); the
 * legacy HTTP/1.1 transport is enabled because the HTTP/2 one ignores agents.
 */
export class FcmPushSender implements PushSender {
  private readonly app: App;
  private readonly messaging: Messaging;

  constructor(credentials: string, httpAgent?: Agent) {
    const trimmed = credentials.trim();
    const account: string | ServiceAccount = trimmed.startsWith('{') ? (JSON.parse(trimmed) as ServiceAccount) : trimmed;
    this.app = initializeApp({ credential: cert(account, httpAgent), ...(httpAgent ? { httpAgent } : {}) }, `office-hours-${process.pid}-${++appCounter}`);
    this.messaging = getMessaging(this.app);
    this.messaging.enableLegacyHttpTransport();
  }

  async send(tokens: readonly string[], data: Readonly<Record<string, string>>): Promise<TokenOutcome[]> {
    const res = await this.messaging.sendEachForMulticast({
      tokens: [...tokens],
      data: { ...data },
      android: { priority: 'high' },
      apns: { headers: { 'apns-priority': '10' }, payload: { aps: { contentAvailable: true } } },
    });
    return res.responses.map((r) =>
      r.success ? { kind: 'sent', messageId: r.messageId ?? '' } : classifyFcmError(r.error?.code, r.error?.message ?? 'send failed'),
    );
  }
}
