import { AppError } from '../../lib/errors/app-error';
import { bearerToken } from '../../lib/identity/bearer-token';
import type { JwtVerifier } from '../../lib/identity/jwt-verifier';
import type { Principal } from '../../lib/identity/principal';
import { serializeFrame, type StompFrame } from './stomp-frame';
import { DEFAULT_PARSER_LIMITS } from './stomp-parser';

const SUPPORTED_VERSIONS = ['1.2', '1.1', '1.0'];

/** What a CONNECT (or STOMP) frame asks for: the version, the token and the negotiated heart-beats. */
export interface ConnectRequest {
  readonly version: string;
  /** `Authorization: Bearer`, else `passcode`, else the upgrade URL's `access_token`. */
  readonly token: string | undefined;
  /** What this server sends, and expects, in ms (0: none). */
  readonly outgoingMs: number;
  readonly incomingMs: number;
}

/** Reads a CONNECT frame (CONTRACT §5); a string is the protocol error to close with. */
export function readConnect(frame: StompFrame, upgradeToken: string | undefined, serverHeartbeatMs: number): ConnectRequest | string {
  const h = frame.headers;
  const accepted = (h.get('accept-version') ?? '1.0').split(',').map((v) => v.trim());
  const version = SUPPORTED_VERSIONS.find((v) => accepted.includes(v));
  if (!version) return `supported versions are ${SUPPORTED_VERSIONS.join(',')}`;
  const token = bearerToken(h.get('Authorization') ?? h.get('authorization')) ?? h.get('passcode') ?? upgradeToken;
  const [cx, cy] = parseHeartBeat(h.get('heart-beat'));
  return {
    version,
    token,
    outgoingMs: cy > 0 ? Math.max(serverHeartbeatMs, cy) : 0,
    incomingMs: cx > 0 ? Math.max(serverHeartbeatMs, cx) : 0,
  };
}

function parseHeartBeat(raw: string | undefined): [number, number] {
  const m = raw ? /^\s*(\d{1,9})\s*,\s*(\d{1,9})\s*$/.exec(raw) : null;
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

/** The session's principal from a CONNECT's token, or the ERROR message to close with (UNAUTHENTICATED). */
export async function authenticate(request: ConnectRequest, verifier: JwtVerifier): Promise<Principal | string> {
  try {
    if (!request.token) throw new AppError('UNAUTHENTICATED', 'missing token');
    return await verifier.verify(request.token);
  } catch (err) {
    return `UNAUTHENTICATED: ${err instanceof AppError ? err.message : 'invalid token'}`;
  }
}

const SERVER_NAME = 'office-hours/0.1';

/**
 * CONNECTED (CONTRACT §5): the negotiated values, the user, and the session's deadline (epoch ms) when it has
 * one; plus the send limits (`max-message-chars`, `max-frame-bytes`), so a client refuses an oversized
 * message before it goes out instead of losing the session to it.
 */
export function connectedFrame(request: ConnectRequest, userId: string, sessionId: string, expiresAt: number | undefined, maxMessageChars: number): string {
  return serializeFrame('CONNECTED', {
    version: request.version,
    // What this server will send and expects: a client computing the negotiation from them reaches the
    // same result as from the server's offer.
    'heart-beat': `${request.outgoingMs},${request.incomingMs}`,
    'user-name': userId,
    server: SERVER_NAME,
    session: sessionId,
    ...(expiresAt !== undefined ? { 'session-expires': String(expiresAt) } : {}),
    'max-message-chars': String(maxMessageChars),
    'max-frame-bytes': String(DEFAULT_PARSER_LIMITS.maxFrameBytes),
  });
}
