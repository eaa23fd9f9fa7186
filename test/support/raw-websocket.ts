import WebSocket from 'ws';

/** A raw WebSocket to /ws/chat for sending bytes no STOMP client would send. */
export class RawSocket {
  readonly received: string[] = [];
  closeCode: number | undefined;
  private readonly closed: Promise<number>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.received.push(data.toString()));
    this.closed = new Promise((resolve) =>
      ws.on('close', (code) => {
        this.closeCode = code;
        resolve(code);
      }),
    );
  }

  static open(port: number, query = ''): Promise<RawSocket> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/chat${query}`, ['v12.stomp']);
    const raw = new RawSocket(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(raw));
      ws.once('error', reject);
    });
  }

  send(data: string | Buffer): void {
    this.ws.send(data);
  }

  /** Resolves with the close code, or rejects after the deadline. */
  waitClosed(timeoutMs = 10_000): Promise<number> {
    return Promise.race([this.closed, new Promise<number>((_, reject) => setTimeout(() => reject(new Error('socket not closed in time')), timeoutMs).unref())]);
  }

  errorFrames(): string[] {
    return this.received.filter((f) => f.startsWith('ERROR\n'));
  }
}
