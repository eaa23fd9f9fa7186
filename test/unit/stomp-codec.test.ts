import { randomBytes } from 'node:crypto';
import { escapeHeader, serializeFrame } from '../../gateway/stomp/stomp-frame';
import { StompParser } from '../../gateway/stomp/stomp-parser';

const parse = (...chunks: (string | Buffer)[]) => {
  const p = new StompParser();
  return chunks.map((c) => p.push(typeof c === 'string' ? Buffer.from(c, 'utf8') : c));
};

describe('STOMP parser', () => {
  it('parses CONNECT and STOMP without unescaping', () => {
    const [r] = parse('CONNECT\naccept-version:1.2\nhost:x\npasscode:a\\cb\n\n\0');
    expect(r!.error).toBeUndefined();
    expect(r!.frames[0]!.command).toBe('CONNECT');
    expect(r!.frames[0]!.headers.get('passcode')).toBe('a\\cb');
    expect(parse('STOMP\n\n\0')[0]!.frames[0]!.command).toBe('STOMP');
  });

  it('unescapes \\n \\c \\\\ \\r in other frames and keeps the first repeated header', () => {
    const [r] = parse('SEND\ndestination:/a\\cb\nx:1\\n2\\\\3\\r\nx:second\n\nbody\0');
    const f = r!.frames[0]!;
    expect(f.headers.get('destination')).toBe('/a:b');
    expect(f.headers.get('x')).toBe('1\n2\\3\r');
    expect(f.body.toString()).toBe('body');
  });

  it('accepts CRLF line endings', () => {
    const [r] = parse('SEND\r\ndestination:/q\r\n\r\nhi\0\r\n');
    expect(r!.frames[0]!.body.toString()).toBe('hi');
    expect(r!.heartbeats).toBe(1);
  });

  it('reads a content-length body containing NULs', () => {
    const body = Buffer.from([0x61, 0x00, 0x62, 0x00]);
    const frame = Buffer.concat([Buffer.from('SEND\ndestination:/q\ncontent-length:4\n\n'), body, Buffer.from([0])]);
    expect(parse(frame)[0]!.frames[0]!.body).toEqual(body);
  });

  it('counts heart-beat EOLs and splits several frames in one message', () => {
    const [r] = parse('\n\n\r\nSEND\ndestination:/a\n\n1\0\nSEND\ndestination:/b\n\n2\0\n');
    expect(r!.heartbeats).toBe(5);
    expect(r!.frames.map((f) => f.headers.get('destination'))).toEqual(['/a', '/b']);
  });

  it('joins one frame sent over several messages, byte by byte', () => {
    const text = 'SEND\ndestination:/q\ncontent-type:application/json\n\n{"content":"안녕 👋"}\0';
    const bytes = Buffer.from(text, 'utf8');
    const p = new StompParser();
    const frames = [];
    for (const b of bytes) frames.push(...p.push(Buffer.from([b])).frames);
    expect(frames).toHaveLength(1);
    expect(JSON.parse(frames[0]!.body.toString('utf8'))).toEqual({ content: '안녕 👋' });
  });

  it.each([
    ['unknown command', 'FROB\n\n\0'],
    ['an undefined escape', 'SEND\ndestination:/a\\t\n\n\0'],
    ['a header without a colon', 'SEND\ndestination\n\n\0'],
    ['a body longer than its content-length', 'SEND\ncontent-length:1\n\nabc\0'],
    ['a bad content-length', 'SEND\ncontent-length:-5\n\n\0'],
    ['a NUL inside the headers', 'SEND\ndest\0ination:/a\n\n\0'],
  ])('reports %s as an error', (_n, input) => {
    expect(parse(input)[0]!.error).toBeTruthy();
  });

  it('refuses too many headers, oversized headers and oversized frames, even without a NUL', () => {
    expect(parse(`SEND\n${'h:v\n'.repeat(1000)}\n\0`)[0]!.error).toMatch(/headers/);
    expect(parse(`SEND\nh:${'v'.repeat(10_000)}\n\n\0`)[0]!.error).toMatch(/headers/);
    expect(parse(`SEND\ndestination:/a\n\n${'x'.repeat(70_000)}`)[0]!.error).toMatch(/exceeds/);
    expect(parse(`SEND\ncontent-length:1048576\n\n`)[0]!.error).toMatch(/exceeds/);
  });

  it('stays failed after an error', () => {
    const p = new StompParser();
    expect(p.push(Buffer.from('NOPE\n\n\0')).error).toBeTruthy();
    expect(p.push(Buffer.from('SEND\n\n\0')).frames).toHaveLength(0);
  });

  it('never throws on random bytes', () => {
    for (let i = 0; i < 2000; i++) {
      const p = new StompParser();
      expect(() => p.push(randomBytes(1 + (i % 300)))).not.toThrow();
      expect(() => p.push(Buffer.from(`SEND\n${randomBytes(20).toString('latin1')}\n\n\0`))).not.toThrow();
    }
  });
});

describe('STOMP serializer', () => {
  it('escapes header values and adds a byte content-length', () => {
    const out = serializeFrame('MESSAGE', { destination: '/user/queue/chat', x: 'a:b\nc\\' }, '안녕');
    expect(out).toBe(`MESSAGE\ndestination:/user/queue/chat\nx:a\\cb\\nc\\\\\ncontent-length:6\n\n안녕\0`);
    expect(escapeHeader('plain')).toBe('plain');
  });

  it('round-trips through the parser', () => {
    const wire = serializeFrame('RECEIPT', { 'receipt-id': 'r:1\n' }).replace('RECEIPT', 'SEND');
    expect(parse(wire)[0]!.frames[0]!.headers.get('receipt-id')).toBe('r:1\n');
  });

  it('does not escape CONNECTED headers', () => {
    expect(serializeFrame('CONNECTED', { version: '1.2', 'heart-beat': '10000,10000' })).toBe('CONNECTED\nversion:1.2\nheart-beat:10000,10000\n\n\0');
  });
});

describe('STOMP serializer', () => {
  it('escapes header values of every frame it writes, and cannot be made to forge a header in CONNECTED', () => {
    const error = serializeFrame('ERROR', { message: 'a:b\nc\\d\re' });
    expect(error.split('\n')[1]).toBe('message:a\\cb\\nc\\\\d\\re');
    // CONNECTED is not escaped (STOMP 1.2, for 1.0 clients): line breaks are replaced instead.
    const connected = serializeFrame('CONNECTED', { version: '1.2', 'user-name': 'kim\nuser-name:admin\r' });
    expect(connected.split('\n').filter((l) => l.startsWith('user-name:'))).toEqual(['user-name:kim user-name:admin ']);
  });
});
