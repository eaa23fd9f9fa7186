import { isServerErrorCode, type ServerErrorCode } from './errors';

/** STOMP 1.2 header escapes (`\r`, `\n`, `\c`, `\\`): stompjs decodes them only once CONNECTED is in. */
export function decodeHeaderValue(value: string): string {
  return value.replace(/\\([rnc\\])/g, (_, c: string) => ({ r: '\r', n: '\n', c: ':', '\\': '\\' })[c]!);
}

export interface StompErrorFrame {
  readonly code: ServerErrorCode;
  readonly message: string;
}

/**
 * An ERROR frame (it always comes with a close): the contract's code at the front of its message
 * (`UNAUTHENTICATED: invalid token` → code UNAUTHENTICATED, message `invalid token`, as a REST refusal would
 * say it), else what the server's wording means: an oversized frame is
 * PAYLOAD_TOO_LARGE, a frame the server could not accept is VALIDATION_FAILED (resending it cannot help),
 * anything else (heart-beat or CONNECT timeouts, an internal error) is INTERNAL, which a reconnect may cure.
 */
export function classifyErrorFrame(headers: Record<string, string | undefined>, body: string | undefined): StompErrorFrame {
  // The body holds the whole message unescaped; the header is cut at 200 characters.
  const message = body?.trim() || decodeHeaderValue(headers['message'] ?? '') || 'ERROR frame';
  const lead = /^([A-Z_]+):/.exec(message)?.[1];
  if (isServerErrorCode(lead)) return { code: lead, message: message.slice(lead.length + 1).trim() || lead };
  if (/frame exceeds/i.test(message)) return { code: 'PAYLOAD_TOO_LARGE', message };
  if (/^malformed|needs |before CONNECT|already connected|supported versions/i.test(message)) return { code: 'VALIDATION_FAILED', message };
  return { code: 'INTERNAL', message };
}
