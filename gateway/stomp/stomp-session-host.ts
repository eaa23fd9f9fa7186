import type { JwtVerifier } from '../../lib/identity/jwt-verifier';
import type { Logger } from '../../lib/logging/logger';
import type { GatewayMetrics } from '../gateway-metrics';
import type { StompFrame } from './stomp-frame';

/**
 * What a session needs from its gateway: shared services and settings, never per-session copies. Generic
 * in the session type, so this file and the session's do not import each other.
 */
export interface StompSessionHost<Session> {
  readonly verifier: JwtVerifier;
  readonly log: Logger;
  readonly metrics: GatewayMetrics;
  readonly heartbeatMs: number;
  readonly connectTimeoutMs: number;
  /** STOMP_TOKEN_GRACE_MS: a session outlives its token's exp by this much before it is closed. */
  readonly tokenGraceMs: number;
  readonly maxBackpressureBytes: number;
  /** Parsed frames a session may have waiting for handling; past it the session is closed (inbound backpressure). */
  readonly maxQueuedFrames: number;
  /** CHAT_MAX_MESSAGE_CHARS, announced in CONNECTED. */
  readonly maxMessageChars: number;
  /** Upserts the session's user and registers it for their events; resolves once the subscription is live. */
  attach(session: Session): Promise<void>;
  detach(session: Session): void;
  /** Handles a SEND to an application destination (answers receipts and errors itself). */
  onSend(session: Session, destination: string, frame: StompFrame): Promise<void>;
  /** The user's shared SUBSCRIBE budget; throws RATE_LIMITED. */
  limitSubscribe(userId: string): Promise<void>;
  /** Flushes a session's pending frames at the end of this event-loop turn (one corked write for all). */
  flushSoon(session: Session): void;
  /** Tracks in-flight work so a draining gateway can wait for it. */
  track<T>(work: Promise<T>): Promise<T>;
}
