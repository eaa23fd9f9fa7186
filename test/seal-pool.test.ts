import { open } from '../lib/archive/archive-cipher';
import { runSealTask } from '../lib/archive/seal-task';
import { SealPool } from '../workers/seal-pool';

const key = Buffer.alloc(32, 5);
const task = (n: number) => ({
  kind: 'archive' as const,
  header: {
    requestIdx: n,
    studentId: 's',
    studentName: 'S',
    professorId: 'p',
    professorName: 'P',
    title: 't',
    startedAt: new Date(0),
    endedAt: null,
    endReason: null,
  },
  messages: Array.from({ length: 200 }, (_, i) => ({
    requestIdx: n,
    seq: i + 1,
    messageId: `m${i}`,
    senderId: 's',
    senderRole: 'STUDENT' as const,
    content: `message ${i}`,
    sentAt: new Date(i * 1000).toISOString(),
    clientMsgId: `c${i}`,
  })),
  timeZone: 'Asia/Seoul',
  keyId: 'k',
  key,
});

describe('SealPool (piscina worker threads)', () => {
  const pool = new SealPool(2);
  afterAll(() => pool.close());

  it('seals on worker threads exactly like the inline path', async () => {
    const results = await Promise.all([1, 2, 3, 4].map((n) => pool.seal(task(n))));
    const keyring = { activeKeyId: 'k', keys: new Map([['k', key]]) };
    for (const [i, r] of results.entries()) {
      const inline = runSealTask(task(i + 1));
      expect(r.metadata).toEqual(inline.metadata);
      expect(open(Buffer.from(r.body), keyring, { kind: 'archive', requestIdx: i + 1 }).plaintext.toString()).toContain('message 199');
    }
  });
});
