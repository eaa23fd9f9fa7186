import fc from 'fast-check';
import { quickSendInput, sendInput } from '../../lib/chat/chat-inputs';

/** The hand-written chat.send check must never accept what the schema refuses, nor read it differently. */
describe('quickSendInput agrees with sendInput', () => {
  const field = fc.oneof(
    fc.integer({ min: -5, max: 2 ** 53 + 5 }),
    fc.double(),
    fc.string({ maxLength: 140 }),
    fc.constantFrom('', ' ', '\u0000', 'a\u0000', '\t\n', '12', 'x'.repeat(128), 'x'.repeat(129), null, true),
    fc.constant(undefined),
  );
  const body = fc.record({ requestIdx: field, content: field, clientMsgId: field, extra: field }, { requiredKeys: [] });

  it('accepts only what the schema accepts, with the same output', () => {
    fc.assert(
      fc.property(body, (b) => {
        const quick = quickSendInput(b as Record<string, unknown>);
        const schema = sendInput.safeParse(b);
        if (quick !== undefined) {
          expect(schema.success).toBe(true);
          expect(quick).toEqual(schema.data);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('takes the usual well-formed body without the schema', () => {
    expect(quickSendInput({ requestIdx: 42, content: 'hello', clientMsgId: 'c-1' })).toEqual({ requestIdx: 42, content: 'hello', clientMsgId: 'c-1' });
    expect(quickSendInput({ requestIdx: '42', content: 'hello', clientMsgId: 'c-1' })).toBeUndefined(); // the schema converts it
    expect(quickSendInput({ requestIdx: 42, content: '  ', clientMsgId: 'c-1' })).toBeUndefined();
  });
});
