import { CLIENT_COMMANDS, type ClientCommand, type StompFrame } from './stomp-frame';

export interface StompParserLimits {
  /** Largest frame (command + headers + body) accepted, in bytes. */
  readonly maxFrameBytes: number;
  readonly maxHeaders: number;
  readonly maxHeaderBytes: number;
}

export const DEFAULT_PARSER_LIMITS: StompParserLimits = { maxFrameBytes: 64 * 1024, maxHeaders: 64, maxHeaderBytes: 8 * 1024 };

export type ParseOutcome = { frames: StompFrame[]; heartbeats: number; error?: string };

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;
const COMMANDS: ReadonlySet<string> = new Set(CLIENT_COMMANDS);

/** What an incomplete frame waits for: at least `bytes` buffered, and (if set) a chunk holding `byte`. */
interface Incomplete {
  readonly incomplete: true;
  readonly bytes: number;
  readonly byte?: number;
}

/**
 * Incremental STOMP 1.2 parser: bytes in (one WebSocket message may hold several frames or part of one),
 * frames out. It never throws: hostile input yields `error`, after which the parser refuses everything.
 * Linear in its input: the chunks of an incomplete frame are only collected until one can complete it
 * (enough bytes for its content-length, or the NUL or line feed it lacks), so a frame sent a byte at a
 * time is not re-scanned per byte.
 */
export class StompParser {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private waiting: Incomplete | undefined;
  private failed: string | undefined;

  constructor(private readonly limits: StompParserLimits = DEFAULT_PARSER_LIMITS) {}

  push(chunk: Buffer): ParseOutcome {
    const out: ParseOutcome = { frames: [], heartbeats: 0 };
    if (this.failed) return { ...out, error: this.failed };
    let buf = chunk;
    if (this.waiting) {
      this.pending.push(Buffer.from(chunk));
      this.pendingBytes += chunk.length;
      if (this.pendingBytes > this.limits.maxFrameBytes) return this.fail(out, `frame exceeds ${this.limits.maxFrameBytes} bytes`);
      const w = this.waiting;
      if (this.pendingBytes < w.bytes || (w.byte !== undefined && !chunk.includes(w.byte))) return out;
      buf = Buffer.concat(this.pending);
      this.pending = [];
      this.pendingBytes = 0;
      this.waiting = undefined;
    }
    let pos = 0;
    try {
      for (;;) {
        // EOLs between frames are heart-beats.
        while (pos < buf.length && (buf[pos] === LF || (buf[pos] === CR && buf[pos + 1] === LF))) {
          pos += buf[pos] === CR ? 2 : 1;
          out.heartbeats++;
        }
        if (pos >= buf.length || (buf[pos] === CR && pos + 1 === buf.length)) break;
        const step = this.parseFrame(buf, pos);
        if (typeof step === 'string') return this.fail(out, step);
        if ('incomplete' in step) {
          if (buf.length - pos > this.limits.maxFrameBytes) return this.fail(out, `frame exceeds ${this.limits.maxFrameBytes} bytes`);
          // Keep only the unparsed tail, copied so the caller's (reused) buffer can be released.
          const tail = Buffer.from(buf.subarray(pos));
          this.pending = [tail];
          this.pendingBytes = tail.length;
          this.waiting = step;
          return out;
        }
        out.frames.push(step.frame);
        pos = step.next;
      }
    } catch {
      return this.fail(out, 'malformed frame');
    }
    if (pos < buf.length) {
      // A lone CR at the end (half of a CRLF heart-beat): wait for the rest.
      this.pending = [Buffer.from(buf.subarray(pos))];
      this.pendingBytes = buf.length - pos;
      this.waiting = { incomplete: true, bytes: 0, byte: LF };
    }
    return out;
  }

  private fail(out: ParseOutcome, error: string): ParseOutcome {
    this.failed = error;
    this.pending = [];
    this.pendingBytes = 0;
    this.waiting = undefined;
    return { ...out, error };
  }

  /** One frame at `start`: the frame, what it still waits for, or an error text. */
  private parseFrame(buf: Buffer, start: number): { frame: StompFrame; next: number } | Incomplete | string {
    const lines: string[] = [];
    let lineStart = start;
    let headerEnd = -1;
    const scanLimit = Math.min(buf.length, start + this.limits.maxHeaderBytes);
    for (let i = start; i < scanLimit; i++) {
      if (buf[i] === NUL) return 'NUL before the end of the headers';
      if (buf[i] !== LF) continue;
      const end = i > lineStart && buf[i - 1] === CR ? i - 1 : i;
      if (end === lineStart) {
        headerEnd = i + 1;
        break;
      }
      lines.push(buf.toString('utf8', lineStart, end));
      if (lines.length > this.limits.maxHeaders + 1) return `more than ${this.limits.maxHeaders} headers`;
      lineStart = i + 1;
    }
    if (headerEnd < 0)
      return scanLimit - start >= this.limits.maxHeaderBytes ? `headers exceed ${this.limits.maxHeaderBytes} bytes` : { incomplete: true, bytes: 0, byte: LF };

    const command = lines[0] ?? '';
    if (!COMMANDS.has(command)) return `unknown command ${JSON.stringify(command.slice(0, 32))}`;
    const raw = command === 'CONNECT' || command === 'STOMP';
    const headers = new Map<string, string>();
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(':');
      if (colon <= 0) return 'header line without a name and a colon';
      const key = raw ? line.slice(0, colon) : unescape(line.slice(0, colon));
      const value = raw ? line.slice(colon + 1) : unescape(line.slice(colon + 1));
      if (key === undefined || value === undefined) return 'invalid escape sequence in a header';
      if (!headers.has(key)) headers.set(key, value);
    }

    const declared = headers.get('content-length');
    let bodyEnd: number;
    if (declared !== undefined) {
      if (!/^\d{1,9}$/.test(declared)) return 'invalid content-length';
      const length = Number(declared);
      if (headerEnd - start + length + 1 > this.limits.maxFrameBytes) return `frame exceeds ${this.limits.maxFrameBytes} bytes`;
      bodyEnd = headerEnd + length;
      if (buf.length <= bodyEnd) return { incomplete: true, bytes: bodyEnd - start + 1 };
      if (buf[bodyEnd] !== NUL) return 'body longer than its content-length (missing NUL)';
    } else {
      bodyEnd = buf.indexOf(NUL, headerEnd);
      if (bodyEnd < 0) {
        return buf.length - start > this.limits.maxFrameBytes ? `frame exceeds ${this.limits.maxFrameBytes} bytes` : { incomplete: true, bytes: 0, byte: NUL };
      }
      if (bodyEnd - start + 1 > this.limits.maxFrameBytes) return `frame exceeds ${this.limits.maxFrameBytes} bytes`;
    }
    return {
      frame: { command: command as ClientCommand, headers, body: Buffer.from(buf.subarray(headerEnd, bodyEnd)) },
      next: bodyEnd + 1,
    };
  }
}

/** STOMP 1.2 header unescaping; undefined for an undefined escape sequence (a fatal error per the spec). */
function unescape(s: string): string | undefined {
  if (!s.includes('\\')) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = s[++i];
    if (n === 'n') out += '\n';
    else if (n === 'r') out += '\r';
    else if (n === 'c') out += ':';
    else if (n === '\\') out += '\\';
    else return undefined;
  }
  return out;
}
