import type uWS from 'uWebSockets.js';
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
    private readonly res: uWS.HttpResponse,
    readonly transport: ReceivingTransport,
    private readonly onDone: (r: SockJsReceiver) => void,
  ) {
    res.onAborted(() => this.finish());
  }

  get isOpen(): boolean {
    return this.open;
  }

  /** Status, headers and the streaming prelude; call once, before any frame. */
  start(origin: string): void {
    if (!this.open) return;
    this.res.cork(() => {
      this.res.writeStatus('200 OK').writeHeader('Content-Type', CONTENT_TYPE[this.transport]).writeHeader('Cache-Control', NO_CACHE);
      this.res.writeHeader('Access-Control-Allow-Origin', origin || '*').writeHeader('Access-Control-Allow-Credentials', 'true');
      if (this.transport === 'xhr_streaming') this.res.write(XHR_STREAMING_PRELUDE);
      if (this.transport === 'eventsource') this.res.write('\r\n');
    });
  }

  /** Refuses the request (a new session the gateway will not take) with a plain-text status. */
  refuse(status: string, text: string): void {
    if (!this.open) return;
    this.res.cork(() => this.res.writeStatus(status).writeHeader('Content-Type', 'text/plain; charset=UTF-8').end(text));
    this.finish();
  }

  /** Writes one frame (`o`, `h`, `a[...]`, `c[...]`); false when the response is no longer open. */
  write(frame: string): boolean {
    if (!this.open) return false;
    const chunk = this.transport === 'eventsource' ? `data: ${frame}\r\n\r\n` : `${frame}\n`;
    this.bytes += Buffer.byteLength(chunk);
    const last = this.transport === 'xhr' || this.bytes >= STREAM_BYTES_LIMIT || frame.startsWith('c');
    this.res.cork(() => (last ? this.res.end(chunk) : this.res.write(chunk)));
    if (last) this.finish();
    return true;
  }

  /** Ends the response without a frame (the gateway is closing). */
  end(): void {
    if (!this.open) return;
    this.res.cork(() => this.res.end());
    this.finish();
  }

  private finish(): void {
    if (!this.open) return;
    this.open = false;
    this.onDone(this);
  }
}
