import { ECHO_WAIT_MS, EchoReceipts } from '../../gateway/stomp/echo-receipts';

/** A sender's RECEIPT goes out with its message's echo (one write), never later than ECHO_WAIT_MS, and never lost. */
describe('EchoReceipts', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('holds a RECEIPT until its echo, then writes it right after the echo', () => {
    const written: string[] = [];
    const echoes = new EchoReceipts((f) => written.push(f));
    echoes.receipt(7, 12, 'RECEIPT 12', true);
    expect(written).toEqual([]);
    written.push('MESSAGE 11');
    echoes.echo(7, 11);
    expect(written).toEqual(['MESSAGE 11']);
    written.push('MESSAGE 12');
    echoes.echo(7, 12);
    expect(written).toEqual(['MESSAGE 11', 'MESSAGE 12', 'RECEIPT 12']);
    jest.advanceTimersByTime(ECHO_WAIT_MS * 2);
    expect(written).toHaveLength(3);
  });

  it('writes at once when the echo came first, or when no echo will come to this session', () => {
    const written: string[] = [];
    const echoes = new EchoReceipts((f) => written.push(f));
    echoes.echo(7, 12);
    echoes.receipt(7, 12, 'RECEIPT 12', true);
    echoes.receipt(8, 1, 'RECEIPT other room', false);
    expect(written).toEqual(['RECEIPT 12', 'RECEIPT other room']);
  });

  it('an echo that does not come (the room not followed here yet) delays the RECEIPT by ECHO_WAIT_MS at most', () => {
    const written: string[] = [];
    const echoes = new EchoReceipts((f) => written.push(f));
    echoes.receipt(7, 1, 'RECEIPT 1', true);
    jest.advanceTimersByTime(ECHO_WAIT_MS - 1);
    expect(written).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(written).toEqual(['RECEIPT 1']);
    echoes.echo(7, 1);
    expect(written).toEqual(['RECEIPT 1']);
  });

  it('a closed session writes nothing more', () => {
    const written: string[] = [];
    const echoes = new EchoReceipts((f) => written.push(f));
    echoes.receipt(7, 1, 'RECEIPT 1', true);
    echoes.clear();
    jest.advanceTimersByTime(ECHO_WAIT_MS * 2);
    expect(written).toEqual([]);
  });
});
