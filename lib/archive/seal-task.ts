import { seal } from './archive-cipher';
import { formatArchive } from './archive-text';
import type { SealResult, SealTask } from './sealer';

/** Pure CPU work: runs on a piscina worker thread (see workers/seal-pool.ts) or inline. */
export function runSealTask(task: SealTask): SealResult {
  const text = Buffer.from(
    formatArchive(
      { ...task.header, startedAt: task.header.startedAt && new Date(task.header.startedAt), endedAt: task.header.endedAt && new Date(task.header.endedAt) },
      task.messages,
      task.timeZone,
    ),
    'utf8',
  );
  const sealed = seal(text, { kind: task.kind, requestIdx: task.header.requestIdx }, task.keyId, Buffer.from(task.key));
  return { body: sealed.body, metadata: sealed.metadata, plaintextBytes: text.length };
}
