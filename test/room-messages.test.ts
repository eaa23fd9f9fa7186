import { approvedRoom } from './support/approved-room';
import { TestStompClient } from './support/stomp-test-client';
import { startTestSystem, type TestSystem } from './support/test-system';

/** Reads of a room that are in flight at the same time with the same range share one read (a reconnect storm). */
describe('room message reads', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem();
    await sys.core.users.upsert({ id: 'p1', name: 'p1', role: 'PROFESSOR' });
  }, 30_000);
  afterAll(() => sys.close());

  it('serves identical concurrent reads with one hot-log read, and different ranges apart', async () => {
    const id = await approvedRoom(sys, 's1');
    const client = await TestStompClient.connect(sys.gateway.port, sys.token('s1', 'STUDENT'));
    for (let i = 0; i < 3; i++) await client.send(id, `m${i}`, `m-${i}`);
    await client.close();

    const { chatLog, roomMessages } = sys.core.hotLog;
    const read = jest.spyOn(chatLog, 'read');
    try {
      const [a, b, c] = await Promise.all([
        roomMessages.readRaw(id, 0, 10, true),
        roomMessages.readRaw(id, 0, 10, true),
        roomMessages.readRaw(id, 1, 10, true),
      ]);
      expect(read).toHaveBeenCalledTimes(2);
      expect(a).toEqual(b);
      expect(a.map((raw) => (JSON.parse(raw) as { content: string }).content)).toEqual(['m0', 'm1', 'm2']);
      expect(c).toHaveLength(2);
      // Once settled, a read is not reused: the next one sees what was appended since.
      await roomMessages.readRaw(id, 0, 10, true);
      expect(read).toHaveBeenCalledTimes(3);
    } finally {
      read.mockRestore();
    }
  });
});
