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
    });
  }

  get isOpen(): boolean {
    return !this.aborted && !this.finished;
  }

  onAbort(listener: () => void): void {
    this.abortListeners.push(listener);
  }

  setHeader(name: string, value: string): void {
    this.extraHeaders.push([name, value]);
  }

  send(status: number, body: string | Buffer | undefined, contentType = 'application/json; charset=utf-8', closeConnection = false): void {
    if (!this.isOpen) return;
    this.finished = true;
    this.statusSent = status;
    this.res.cork(() => {
      this.res.writeStatus(`${status} ${STATUS_TEXT[status] ?? ''}`.trim());
      this.res.writeHeader('x-request-id', this.requestId);
      if (body !== undefined) this.res.writeHeader('content-type', contentType);
      for (const [k, v] of this.extraHeaders) this.res.writeHeader(k, v);
      this.res.end(body ?? '', closeConnection);
    });
  }

  sendJson(status: number, value: unknown): void {
    this.send(status, value === undefined ? undefined : JSON.stringify(value));
  }

  /** Streams a body in chunks, honouring backpressure; resolves when done or when the client went away. */
  async stream(status: number, contentType: string, chunks: AsyncIterable<Buffer>): Promise<void> {
    if (!this.isOpen) return;
    this.statusSent = status;
    this.res.cork(() => {
      this.res.writeStatus(`${status} ${STATUS_TEXT[status] ?? ''}`.trim());
      this.res.writeHeader('x-request-id', this.requestId);
      this.res.writeHeader('content-type', contentType);
      for (const [k, v] of this.extraHeaders) this.res.writeHeader(k, v);
    });
    for await (const chunk of chunks) {
      if (this.aborted) return;
      let ok = false;
      this.res.cork(() => {
        ok = this.res.write(chunk);
      });
      if (!ok)
        await new Promise<void>((resolve) => {
          this.res.onWritable(() => {
            resolve();
            return true;
          });
          this.onAbort(resolve);
        });
    }
    if (this.aborted) return;
    this.finished = true;
    this.res.cork(() => this.res.end());
  }

  elapsedMs(): number {
    return Number(process.hrtime.bigint() - this.startedAt) / 1e6;
  }
}
