import type uWS from 'uWebSockets.js';
import type { SessionTransport } from '../stomp/session-transport';

/** SockJS heart-beat frame period (Spring's default `heartbeatTime`, 25 s). */
export const SOCKJS_HEARTBEAT_MS = 25_000;

/**
 * A STOMP session's transport over the SockJS WebSocket transport (`/ws/chat/{server}/{session}/websocket`,
 * protocol 0.3): the frames of one corked write go out as one `a[...]` message, a close is a
 * `c[code,"reason"]` frame before the socket ends; the opening `o` and the `h` heart-beats are sent by
 * the endpoint.
 */
export class SockJsWebSocketTransport implements SessionTransport {
  private batch: string[] | undefined;

  constructor(private readonly ws: uWS.WebSocket<unknown>) {}

  send(message: string): number {
    if (this.batch) {
      this.batch.push(message);
      return 1;
    }
    return this.ws.send(`a${JSON.stringify([message])}`, false);
  }

  cork(cb: () => void): unknown {
    this.batch = [];
    try {
      cb();
    } finally {
      const frames = this.batch;
      this.batch = undefined;
      if (frames.length) this.ws.cork(() => this.ws.send(`a${JSON.stringify(frames)}`, false));
    }
    return this;
  }

  getBufferedAmount(): number {
    return this.ws.getBufferedAmount();
  }

  end(code?: number, shortMessage?: string): void {
    this.ws.cork(() => {
      this.ws.send(`c${JSON.stringify([code ?? 1000, shortMessage ?? ''])}`, false);
      this.ws.end(code, shortMessage);
    });
  }
}

/**
 * What a SockJS client sent in one WebSocket message: a JSON array of strings (or one JSON string), each
 * a piece of the STOMP byte stream. Undefined when it is not SockJS framing (the session is then closed).
 */
export function sockJsMessages(text: string): string[] | undefined {
  if (text.length === 0) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed === 'string') return [parsed];
  if (Array.isArray(parsed) && parsed.every((p) => typeof p === 'string')) return parsed as string[];
  return undefined;
}
