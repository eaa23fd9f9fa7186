import type { HttpExchange } from '../http/http-exchange';
import type { SockJsLife } from './sockjs-relay';

export type ReceivingTransport = 'xhr' | 'xhr_streaming' | 'eventsource';

/** A streaming response is closed after this many bytes (Spring's `streamBytesLimit`); the client opens the next. */
export const STREAM_BYTES_LIMIT = 128 * 1024;
const NO_CACHE = 'no-store, no-cache, no-transform, must-revalidate, max-age=0';
/** xhr_streaming's prelude: 2 KiB of `h` so that browsers start handing the body to the page. */
const XHR_STREAMING_PRELUDE = `${'h'.repeat(2048)}\n`;

const CONTENT_TYPE: Record<ReceivingTransport, string> = {
  xhr: 'application/javascript; charset=UTF-8',
  xhr_streaming: 'application/javascript; charset=UTF-8',
  eventsource: 'text/event-stream; charset=UTF-8',
};
const PRELUDE: Record<ReceivingTransport, string | undefined> = { xhr: undefined, xhr_streaming: XHR_STREAMING_PRELUDE, eventsource: '\r\n' };

/**
 * One receiving HTTP request of a SockJS session (`xhr` polling, `xhr_streaming`, `eventsource`): writes SockJS
 * frames in the transport's encoding. A polling response ends after its first frame; a streaming one after
 * STREAM_BYTES_LIMIT bytes. `onDone` runs once, when the response ended or the client went away.
 */
export class SockJsReceiver {
  private open = true;
  private bytes = 0;
  readonly token = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  /** The session life whose receiver slot this request holds, once it holds one. */
  life: SockJsLife | undefined;

  constructor(
    private readonly ex: HttpExchange,
    readonly transport: ReceivingTransport,
    private readonly onDone: (r: SockJsReceiver) => void,
  ) {
    ex.onDone(() => this.finish());
  }

  get isOpen(): boolean {
    return this.open;
  }

  /** Status, headers (CORS is on the exchange already) and the streaming prelude; call once, before any frame. */
  start(): void {
    if (!this.open) return;
    this.ex.setHeader('cache-control', NO_CACHE);
    this.ex.begin(200, CONTENT_TYPE[this.transport], PRELUDE[this.transport]);
  }

  /** Refuses the request (a new session the gateway will not take) with a plain-text status. */
  refuse(status: number, text: string): void {
    this.ex.send(status, text, 'text/plain; charset=UTF-8');
  }

  /** Writes one frame (`o`, `h`, `a[...]`, `c[...]`); false when the response is no longer open. */
  write(frame: string): boolean {
    if (!this.open) return false;
    const chunk = this.transport === 'eventsource' ? `data: ${frame}\r\n\r\n` : `${frame}\n`;
    this.bytes += Buffer.byteLength(chunk);
    const last = this.transport === 'xhr' || this.bytes >= STREAM_BYTES_LIMIT || frame.startsWith('c');
    if (last) this.ex.end(chunk);
    else this.ex.write(chunk);
    return true;
  }

  /** Ends the response without a frame (the gateway is closing). */
  end(): void {
    if (!this.isOpen) return;
    if (this.ex.statusSent) this.ex.end();
    else this.ex.send(200, undefined);
  }

  private finish(): void {
    if (!this.open) return;
    this.open = false;
    this.onDone(this);
  }
}
