import fc from 'fast-check';
import { escapeHeader } from '../../gateway/stomp/stomp-frame';
import { StompParser } from '../../gateway/stomp/stomp-parser';

/** Property-based tests of the STOMP codec (fast-check): any split of any input, any bytes. */
const headerText = fc.string({ maxLength: 30 }).filter((s) => !s.includes('\0'));
const frameArb = fc.record({
  command: fc.constantFrom('SEND', 'SUBSCRIBE', 'UNSUBSCRIBE', 'ACK', 'NACK', 'BEGIN', 'COMMIT', 'ABORT', 'DISCONNECT'),
  headers: fc.uniqueArray(
    fc.tuple(
      headerText.filter((k) => k.length > 0 && k !== 'content-length'),
      headerText,
    ),
    { maxLength: 6, selector: ([k]) => k },
  ),
  body: fc.uint8Array({ maxLength: 300 }),
});

const encode = (f: { command: string; headers: [string, string][]; body: Uint8Array }) =>
  Buffer.concat([
    Buffer.from(`${f.command}\n${f.headers.map(([k, v]) => `${escapeHeader(k)}:${escapeHeader(v)}\n`).join('')}content-length:${f.body.length}\n\n`),
    Buffer.from(f.body),
    Buffer.from([0]),
  ]);

/** Splits a buffer at the given cut points (as fractions of its length). */
function split(buf: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => Math.floor(c * buf.length)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let at = 0;
  for (const p of points) {
    out.push(buf.subarray(at, p));
    at = p;
  }
  out.push(buf.subarray(at));
  return out.filter((b) => b.length > 0);
}

describe('STOMP parser properties', () => {
  it('parses what it is given back exactly, however the bytes are split into messages', () => {
    fc.assert(
      fc.property(
        fc.array(frameArb, { minLength: 1, maxLength: 4 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 }),
        (frames, cuts) => {
          const p = new StompParser();
          const got = split(Buffer.concat(frames.map(encode)), cuts).flatMap((chunk) => {
            const r = p.push(chunk);
            expect(r.error).toBeUndefined();
            return r.frames;
          });
          expect(got.map((f) => f.command)).toEqual(frames.map((f) => f.command));
          got.forEach((f, i) => {
            expect(Buffer.compare(f.body, Buffer.from(frames[i]!.body))).toBe(0);
            for (const [k, v] of frames[i]!.headers) expect(f.headers.get(k)).toBe(v);
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never throws on arbitrary bytes, and once failed stays failed', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 10 }), (chunks) => {
        const p = new StompParser();
        let failed = false;
        for (const c of chunks) {
          const r = p.push(Buffer.from(c));
          if (failed) expect(r.error).toBeTruthy();
          failed ||= r.error !== undefined;
        }
      }),
      { numRuns: 500 },
    );
  });

  it('a frame up to the limit fed one byte at a time costs linear work (no re-scan per byte)', () => {
    const body = Buffer.alloc(60_000, 0x61);
    const frame = Buffer.concat([Buffer.from('SEND\ndestination:/a\n\n'), body, Buffer.from([0])]);
    const p = new StompParser();
    const concat = jest.spyOn(Buffer, 'concat');
    let frames = 0;
    for (let i = 0; i < frame.length; i++) frames += p.push(frame.subarray(i, i + 1)).frames.length;
    // Chunks are joined only when one can complete the frame: a handful of times, not once per byte.
    expect(concat.mock.calls.length).toBeLessThan(10);
    concat.mockRestore();
    expect(frames).toBe(1);
  });
});
