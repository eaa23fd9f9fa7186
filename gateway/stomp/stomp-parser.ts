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

/**
 * Incremental STOMP 1.2 parser: bytes in (one WebSocket message may hold several frames or part of one),
 * frames out. It never throws: hostile input yields `error`, after which the parser refuses everything.
 */
export class StompParser {
  private buffered: Buffer = Buffer.alloc(0);
  private failed: string | undefined;

  constructor(private readonly limits: StompParserLimits = DEFAULT_PARSER_LIMITS) {}

  push(chunk: Buffer): ParseOutcome {
    const out: ParseOutcome = { frames: [], heartbeats: 0 };
    if (this.failed) return { ...out, error: this.failed };
    let buf = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
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
        if (step === undefined) {
          if (buf.length - pos > this.limits.maxFrameBytes) return this.fail(out, `frame exceeds ${this.limits.maxFrameBytes} bytes`);
          break;
        }
        out.frames.push(step.frame);
        pos = step.next;
      }
    } catch {
      return this.fail(out, 'malformed frame');
    }
    // Keep only the unparsed tail, copied so the caller's (reused) buffer can be released.
    buf = buf.subarray(pos);
    this.buffered = buf.length ? Buffer.from(buf) : Buffer.alloc(0);
    return out;
  }

  private fail(out: ParseOutcome, error: string): ParseOutcome {
    this.failed = error;
    this.buffered = Buffer.alloc(0);
    return { ...out, error };
  }

  /** One frame at `start`: the frame, undefined if incomplete, or an error text. */
  private parseFrame(buf: Buffer, start: number): { frame: StompFrame; next: number } | undefined | string {
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
    if (headerEnd < 0) return scanLimit - start >= this.limits.maxHeaderBytes ? `headers exceed ${this.limits.maxHeaderBytes} bytes` : undefined;

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
      if (buf.length <= bodyEnd) return undefined;
      if (buf[bodyEnd] !== NUL) return 'body longer than its content-length (missing NUL)';
    } else {
      bodyEnd = buf.indexOf(NUL, headerEnd);
      if (bodyEnd < 0) {
        return buf.length - start > this.limits.maxFrameBytes ? `frame exceeds ${this.limits.maxFrameBytes} bytes` : undefined;
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
