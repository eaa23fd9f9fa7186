import { randomUUID } from 'node:crypto';
import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import type { TrustedProxies } from '../../lib/network/trusted-proxies';
import { clientOf } from './client-address';

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  301: 'Moved Permanently',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

// Any visible ASCII (and spaces) is echoed back as given; control characters or oversized ids get a fresh one.
const REQUEST_ID_PATTERN = /^[\x20-\x7e]{1,200}$/;

/**
 * One HTTP exchange over uWebSockets.js: captures what the request says up front (uWS invalidates `req`
 * after the first await), tracks abortion, and writes the whole response inside one `cork()`.
 * Every response goes out through `send`, so none is written twice or after the client left.
 */
export class HttpExchange {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly requestId: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The client's address (TRUST_PROXY: read past trusted proxies; else the socket's peer). */
  readonly remoteAddress: string;
  /** The scheme the client used, as a trusted proxy reports it (X-Forwarded-Proto), or undefined. */
  readonly forwardedProto: 'http' | 'https' | undefined;
  readonly startedAt = process.hrtime.bigint();
  /** The status written, 0 until a response went out. */
  statusSent = 0;
  private aborted = false;
  private finished = false;
  private readonly extraHeaders: [string, string][] = [];
  private readonly abortListeners: (() => void)[] = [];
  private readonly doneListeners: (() => void)[] = [];

  constructor(
    readonly res: HttpResponse,
    req: HttpRequest,
    trustedProxies?: TrustedProxies,
  ) {
    this.method = req.getMethod().toUpperCase();
    this.path = req.getUrl();
    this.query = new URLSearchParams(req.getQuery() ?? '');
    const headers: Record<string, string> = {};
    req.forEach((k, v) => {
      if (!(k in headers)) headers[k] = v;
    });
    this.headers = headers;
    const client = clientOf(trustedProxies, res, req);
    this.remoteAddress = client.ip;
    this.forwardedProto = client.proto;
    const given = headers['x-request-id'];
    this.requestId = given && REQUEST_ID_PATTERN.test(given) ? given : randomUUID();
    res.onAborted(() => {
      this.aborted = true;
      for (const l of this.abortListeners) l();
      this.done();
    });
  }

  get isOpen(): boolean {
    return !this.aborted && !this.finished;
  }

  onAbort(listener: () => void): void {
    this.abortListeners.push(listener);
  }

  /** Runs once, when the response ended or the client went away (metrics, the access log, a session's cleanup). */
  onDone(listener: () => void): void {
    this.doneListeners.push(listener);
  }

  setHeader(name: string, value: string): void {
    this.extraHeaders.push([name, value]);
  }

  send(status: number, body: string | Buffer | undefined, contentType = 'application/json; charset=utf-8', closeConnection = false): void {
    if (!this.isOpen || this.statusSent) return;
    this.statusSent = status;
    this.res.cork(() => {
      this.writeHead(status, body === undefined ? undefined : contentType);
      this.res.end(body ?? '', closeConnection);
    });
    this.done();
  }

  sendJson(status: number, value: unknown): void {
    this.send(status, value === undefined ? undefined : JSON.stringify(value));
  }

  /** Status and headers of a response whose body follows in `write` calls (and `prelude` at once). */
  begin(status: number, contentType: string, prelude?: string): void {
    if (!this.isOpen || this.statusSent) return;
    this.statusSent = status;
    this.res.cork(() => {
      this.writeHead(status, contentType);
      if (prelude) this.res.write(prelude);
    });
  }

  /** A chunk of a begun body; false when uWS buffered it (wait for `onWritable`) or the response is over. */
  write(chunk: string | Buffer): boolean {
    if (!this.isOpen) return false;
    let ok = false;
    this.res.cork(() => (ok = this.res.write(chunk)));
    return ok;
  }

  /** Ends a begun body, with its last chunk. */
  end(chunk?: string | Buffer): void {
    if (!this.isOpen) return;
    this.res.cork(() => this.res.end(chunk ?? ''));
    this.done();
  }

  /** Streams a body in chunks, honouring backpressure; resolves when done or when the client went away. */
  async stream(status: number, contentType: string, chunks: AsyncIterable<Buffer>): Promise<void> {
    this.begin(status, contentType);
    for await (const chunk of chunks) {
      if (!this.isOpen) return;
      if (!this.write(chunk))
        await new Promise<void>((resolve) => {
          this.res.onWritable(() => {
            resolve();
            return true;
          });
          this.onAbort(resolve);
        });
    }
    this.end();
  }

  private writeHead(status: number, contentType: string | undefined): void {
    this.res.writeStatus(`${status} ${STATUS_TEXT[status] ?? ''}`.trim());
    this.res.writeHeader('x-request-id', this.requestId);
    if (contentType !== undefined) this.res.writeHeader('content-type', contentType);
    for (const [k, v] of this.extraHeaders) this.res.writeHeader(k, v);
  }

  private done(): void {
    this.finished = true;
    for (const l of this.doneListeners.splice(0)) l();
  }

  elapsedMs(): number {
    return Number(process.hrtime.bigint() - this.startedAt) / 1e6;
  }
}
