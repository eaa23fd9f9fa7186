import type { Logger } from '../../lib/logging/logger';
import type { GatewayMetrics } from '../gateway-metrics';
import type { SessionRegistry } from '../stomp/session-registry';
import { StompSession } from '../stomp/stomp-session';
import type { StompSessionHost } from '../stomp/stomp-session-host';
import { SOCKJS_DISCONNECT_DELAY_MS, SockJsHttpSession } from './sockjs-http-session';
import type { ReceivingTransport, SockJsReceiver } from './sockjs-receiver';
import { CLOSED_TTL_MS, OWNER_REFRESH_MS, type SockJsLife, type SockJsRelay } from './sockjs-relay';
import { SOCKJS_HEARTBEAT_MS } from './sockjs-websocket-transport';
import { deliverOutbox } from './sockjs-frames';

export const ANOTHER_CONNECTION = 'c[2010,"Another connection still open"]';

interface LocalSession {
  readonly http: SockJsHttpSession;
  readonly stomp: StompSession;
  readonly transport: ReceivingTransport;
  unwatch?: () => void;
}

/** A receiving request on this gateway for a session another gateway runs. */
interface RemoteReceiver {
  readonly life: SockJsLife;
  readonly receiver: SockJsReceiver;
  unwatch?: () => void;
  busy: boolean;
  again: boolean;
}

/**
 * The SockJS HTTP sessions this gateway runs, and the receiving requests it serves for sessions that other
 * gateways run (through the relay's outbox). Sweeps close sessions left without a receiver for
 * SOCKJS_DISCONNECT_DELAY_MS; heart-beats go to every receiver every 25 s.
 */
export class SockJsSessionTable {
  private readonly sessions = new Map<string, LocalSession>();
  private readonly remote = new Set<RemoteReceiver>();
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly d: { host: StompSessionHost<StompSession>; registry: SessionRegistry; relay: SockJsRelay; metrics: GatewayMetrics; log: Logger },
  ) {}

  async start(): Promise<void> {
    await this.d.relay.start((life, pieces) => this.forwarded(life, pieces));
    this.timers.push(setInterval(() => this.heartbeat(), SOCKJS_HEARTBEAT_MS));
    this.timers.push(setInterval(() => void this.sweep(), 1000));
    this.timers.push(setInterval(() => this.d.relay.refresh(this.live()), OWNER_REFRESH_MS));
    for (const t of this.timers) t.unref();
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    for (const r of this.remote) r.receiver.end();
  }

  local(id: string): SockJsHttpSession | undefined {
    return this.sessions.get(id)?.http;
  }

  /** A new session on this gateway (its life is claimed in Redis already). */
  create(life: SockJsLife, token: string | undefined, transport: ReceivingTransport): SockJsHttpSession {
    const http = new SockJsHttpSession(life, this.d.relay, this.d.log, (s) => this.ended(s));
    const stomp = new StompSession(http, this.d.host, token);
    const local: LocalSession = { http, stomp, transport };
    this.sessions.set(life.id, local);
    this.d.relay
      .watch(life, () => void http.onWake().catch((err: unknown) => this.d.log.warn({ err }, 'SockJS outbox read failed')))
      .then((unwatch) => (this.sessions.get(life.id) === local && !http.closeFrame ? (local.unwatch = unwatch) : unwatch()))
      .catch((err: unknown) => this.d.log.warn({ err }, 'SockJS wake subscription failed'));
    this.d.registry.add(stomp);
    this.d.metrics.connections.inc({ transport: `sockjs-${transport}` });
    return http;
  }

  /** STOMP bytes for a session (from an `xhr_send` here, or forwarded by another gateway); false if it is not here. */
  inbound(id: string, pieces: readonly string[]): boolean {
    const s = this.sessions.get(id);
    if (!s || s.http.closeFrame) return false;
    for (const piece of pieces) s.stomp.onBytes(Buffer.from(piece, 'utf8'));
    return true;
  }

  /** STOMP bytes another gateway received for a session of this one: only for the life they were sent to. */
  private forwarded(life: SockJsLife, pieces: readonly string[]): void {
    if (this.sessions.get(life.id)?.http.life.generation === life.generation) this.inbound(life.id, pieces);
  }

  detach(id: string, receiver: SockJsReceiver): void {
    this.sessions.get(id)?.http.detach(receiver);
    for (const r of this.remote) {
      if (r.receiver !== receiver) continue;
      r.unwatch?.();
      this.remote.delete(r);
    }
  }

  /** Serves a receiving request for a session another gateway runs: the outbox now, then on every wake-up. */
  async serveRemote(life: SockJsLife, receiver: SockJsReceiver): Promise<void> {
    const r: RemoteReceiver = { life, receiver, busy: false, again: false };
    this.remote.add(r);
    const unwatch = await this.d.relay.watch(life, () => void this.drainRemote(r));
    if (!receiver.isOpen) return unwatch();
    r.unwatch = unwatch;
    await this.drainRemote(r);
  }

  private async drainRemote(r: RemoteReceiver): Promise<void> {
    if (r.busy) {
      r.again = true;
      return;
    }
    r.busy = true;
    try {
      do {
        r.again = false;
        await deliverOutbox(this.d.relay, r.life, r.receiver);
      } while (r.again && r.receiver.isOpen);
    } catch (err) {
      this.d.log.warn({ err }, 'SockJS outbox read failed');
      r.receiver.end();
    } finally {
      r.busy = false;
    }
  }

  private ended(http: SockJsHttpSession): void {
    const s = this.sessions.get(http.life.id);
    if (s?.http !== http) return;
    this.release(s);
    // Requests for the id still get its close frame for as long as the relay answers it on other gateways.
    setTimeout(() => this.sessions.get(http.life.id) === s && this.sessions.delete(http.life.id), CLOSED_TTL_MS).unref();
  }

  /** The sessions this gateway runs and that have not ended. */
  private live(): SockJsLife[] {
    return [...this.sessions.values()].filter((s) => !s.http.closeFrame).map((s) => s.http.life);
  }

  /** A session is over (closed, or left without a receiver): its STOMP session, registry entry, gauge and Redis state go. */
  private release(s: LocalSession): void {
    s.unwatch?.();
    s.stomp.onClosed();
    this.d.registry.remove(s.stomp);
    this.d.metrics.connections.dec({ transport: `sockjs-${s.transport}` });
    this.d.relay.ended(s.http.life, s.http.closeFrame).catch((err: unknown) => this.d.log.warn({ err }, 'SockJS session end not recorded'));
  }

  private heartbeat(): void {
    for (const s of this.sessions.values()) s.http.heartbeat();
    for (const r of this.remote) {
      r.receiver.write('h');
      this.d.relay.touchReceiver(r.life);
    }
  }

  /** Sessions without a receiving request (here or on another gateway) for the disconnect delay are closed. */
  private async sweep(): Promise<void> {
    const now = Date.now();
    for (const s of [...this.sessions.values()]) {
      const { http } = s;
      if (http.closeFrame || http.hasReceiver || now - http.lastReceiverAt < SOCKJS_DISCONNECT_DELAY_MS) continue;
      try {
        if (await this.d.relay.hasReceiver(http.life)) {
          http.lastReceiverAt = now;
          continue;
        }
      } catch {
        continue; // Redis cannot say: keep the session until it can
      }
      this.sessions.delete(http.life.id);
      this.release(s);
    }
  }
}
