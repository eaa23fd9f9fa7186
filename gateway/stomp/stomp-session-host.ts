import type { JwtVerifier } from '../../lib/identity/jwt-verifier';
import type { Logger } from '../../lib/logging/logger';
import type { UserDirectory } from '../../lib/users/user-directory';
import type { GatewayMetrics } from '../gateway-metrics';
import type { StompFrame } from './stomp-frame';
import type { StompSession } from './stomp-session';

/** What a session needs from its gateway: shared services and settings, never per-session copies. */
export interface StompSessionHost {
  readonly verifier: JwtVerifier;
  readonly users: UserDirectory;
  readonly log: Logger;
  readonly metrics: GatewayMetrics;
  readonly heartbeatMs: number;
  readonly connectTimeoutMs: number;
  readonly maxBackpressureBytes: number;
  /** Parsed frames a session may have waiting for handling; past it the session is closed (inbound backpressure). */
  readonly maxQueuedFrames: number;
  /** Registers an authenticated session for its user's events; resolves once the subscription is live. */
  attach(session: StompSession): Promise<void>;
  detach(session: StompSession): void;
  /** Handles a SEND to an application destination (answers receipts and errors itself). */
  onSend(session: StompSession, destination: string, frame: StompFrame): Promise<void>;
  /** The user's shared SUBSCRIBE budget; throws RATE_LIMITED. */
  limitSubscribe(userId: string): Promise<void>;
  /** Flushes a session's pending frames at the end of this event-loop turn (one corked write for all). */
  flushSoon(session: StompSession): void;
  /** Tracks in-flight work so a draining gateway can wait for it. */
  track<T>(work: Promise<T>): Promise<T>;
}
