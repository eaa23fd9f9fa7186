import { seal } from './archive-cipher';
import { formatArchive } from './archive-text';
import { appendRestoreSection } from './restore-section';
import type { SealResult, SealTask } from './sealer';
import { formatSegment } from './snapshot-segment';

function plaintextOf(task: SealTask): string {
  const { position, header } = task;
  if (task.kind === 'segment') {
    if (!position || position.after === undefined) throw new Error('a segment needs its position in the chain');
    return formatSegment({ requestIdx: header.requestIdx, chain: position.chain, after: position.after, upTo: position.upTo }, task.messages);
  }
  const text = formatArchive(
    { ...header, startedAt: header.startedAt && new Date(header.startedAt), endedAt: header.endedAt && new Date(header.endedAt) },
    task.messages,
    task.timeZone,
  );
  return appendRestoreSection(text, task.messages, position && { chain: position.chain, upTo: position.upTo });
}

/** Pure CPU work: runs on a piscina worker thread (see workers/seal-pool.ts) or inline. */
export function runSealTask(task: SealTask): SealResult {
  const sealed = seal(Buffer.from(plaintextOf(task), 'utf8'), { kind: task.kind, requestIdx: task.header.requestIdx }, task.keyId, Buffer.from(task.key));
  return { body: sealed.body, metadata: sealed.metadata };
}
