/** Per-token outcome of one multicast. */
export type TokenOutcome =
  { kind: 'sent'; messageId: string } | { kind: 'invalid-token'; error: string } | { kind: 'transient'; error: string } | { kind: 'failed'; error: string };

/** Sends one data message to many device tokens (FCM in production; absent when push is disabled). */
export interface PushSender {
  send(tokens: readonly string[], data: Readonly<Record<string, string>>): Promise<TokenOutcome[]>;
}

const INVALID_TOKEN = new Set(['messaging/registration-token-not-registered', 'messaging/invalid-registration-token']);
const TRANSIENT = new Set([
  'messaging/internal-error',
  'messaging/server-unavailable',
  'messaging/quota-exceeded',
  'messaging/message-rate-exceeded',
  'messaging/device-message-rate-exceeded',
  'app/network-error',
  'app/network-timeout',
]);

/** Which errors retry (unavailable, internal, quota), which drop the token, which fail for good. */
export function classifyFcmError(code: string | undefined, message: string): TokenOutcome {
  const error = `${code ?? 'unknown'}: ${message}`.slice(0, 500);
  if (code && INVALID_TOKEN.has(code)) return { kind: 'invalid-token', error };
  if (code && TRANSIENT.has(code)) return { kind: 'transient', error };
  return { kind: 'failed', error };
}
