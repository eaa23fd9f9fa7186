import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { LIMITED_ENTRIES } from '../lib/limits/rate-limits';
import { collectProcessMetrics } from '../lib/runtime/process-metrics';

/** What a refusal was for: a chat.send, a session's inbound frame queue, or a limited entry. */
const RATE_LIMIT_KINDS = ['send', 'frames', 'sessions', ...LIMITED_ENTRIES] as const;
export type RateLimitKind = (typeof RATE_LIMIT_KINDS)[number];

/** Gateway series (names are what dashboards/ and alert rules use; no user or room ids as labels). */
export class GatewayMetrics {
  readonly connections: Gauge;
  readonly sessions: Gauge;
  private readonly messagesSent: Counter;
  private readonly sendToDeliver: Histogram;
  private readonly httpRequests: Counter<'route' | 'method' | 'status'>;
  private readonly httpDuration: Histogram<'route' | 'method'>;
  private readonly rateLimitedTotal: Counter<'kind'>;
  private readonly slowConsumers: Counter;
  private readonly authFailures: Counter;

  // Per-frame counts are plain numbers folded into the counters at scrape time: the hot path stays a `+= 1`.
  private pendingFramesIn = 0;
  private pendingFramesOut = 0;
  private pendingDelivered = 0;

  constructor(readonly registry: Registry) {
    collectProcessMetrics(registry, 'oh_gateway_');
    const r = [registry];
    this.connections = new Gauge({
      name: 'oh_gateway_connections',
      help: 'Open STOMP sessions, by transport: websocket (/ws/chat), raw-websocket, sockjs-websocket, sockjs-xhr, sockjs-xhr_streaming, sockjs-eventsource (SockJS)',
      labelNames: ['transport'],
      registers: r,
    });
    this.sessions = new Gauge({ name: 'oh_gateway_sessions', help: 'Authenticated STOMP sessions', registers: r });
    lazyCounter(registry, 'oh_gateway_frames_in_total', 'STOMP frames received', () => {
      const n = this.pendingFramesIn;
      this.pendingFramesIn = 0;
      return n;
    });
    lazyCounter(registry, 'oh_gateway_frames_out_total', 'STOMP frames and heart-beats sent', () => {
      const n = this.pendingFramesOut;
      this.pendingFramesOut = 0;
      return n;
    });
    this.messagesSent = new Counter({ name: 'oh_gateway_messages_sent_total', help: 'Chat messages appended (receipted)', registers: r });
    lazyCounter(registry, 'oh_gateway_messages_delivered_total', 'MESSAGE frames delivered to subscriptions', () => {
      const n = this.pendingDelivered;
      this.pendingDelivered = 0;
      return n;
    });
    this.sendToDeliver = new Histogram({
      name: 'oh_gateway_send_to_deliver_seconds',
      help: 'From a chat message being accepted to its delivery by this gateway',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: r,
    });
    this.httpRequests = new Counter({ name: 'oh_gateway_http_requests_total', help: 'REST requests', labelNames: ['route', 'method', 'status'], registers: r });
    this.httpDuration = new Histogram({
      name: 'oh_gateway_http_request_duration_seconds',
      help: 'REST request duration',
      labelNames: ['route', 'method'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: r,
    });
    this.rateLimitedTotal = new Counter({
      name: 'oh_gateway_rate_limited_total',
      help: 'Calls refused by a rate limit (send, frames, sessions, rest, rest-ip, chat.read, chat.sync, chat.typing, subscribe)',
      labelNames: ['kind'],
      registers: r,
    });
    this.slowConsumers = new Counter({
      name: 'oh_gateway_slow_consumer_disconnects_total',
      help: 'Sessions closed for exceeding the backpressure cap',
      registers: r,
    });
    this.authFailures = new Counter({ name: 'oh_gateway_stomp_auth_failures_total', help: 'CONNECT frames refused for authentication', registers: r });
    for (const kind of RATE_LIMIT_KINDS) this.rateLimitedTotal.inc({ kind }, 0);
  }

  framesIn(n: number): void {
    this.pendingFramesIn += n;
  }
  framesOut(n: number): void {
    this.pendingFramesOut += n;
  }
  sent(): void {
    this.messagesSent.inc();
  }
  delivered(): void {
    this.pendingDelivered++;
  }
  observeDeliveryLatency(seconds: number): void {
    if (seconds >= 0) this.sendToDeliver.observe(seconds);
  }
  http(route: string, method: string, status: number, seconds: number): void {
    this.httpRequests.inc({ route, method, status: String(status) });
    this.httpDuration.observe({ route, method }, seconds);
  }
  rateLimited(kind: RateLimitKind): void {
    this.rateLimitedTotal.inc({ kind });
  }
  slowConsumer(): void {
    this.slowConsumers.inc();
  }
  authFailed(): void {
    this.authFailures.inc();
  }
}

/** A counter fed at scrape time from a plain number the hot path increments. */
function lazyCounter(registry: Registry, name: string, help: string, take: () => number): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.inc(take());
    },
  });
}
