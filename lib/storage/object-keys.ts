/** Object names in the bucket (CONTRACT §6). */
export const archiveObjectKey = (requestIdx: number) => `archive/chat_${requestIdx}_final.txt`;
export const snapshotObjectKey = (requestIdx: number) => `temp/chat_${requestIdx}_snapshot.txt`;
export const SNAPSHOT_PREFIX = 'temp/';
export const ARCHIVE_PREFIX = 'archive/';
/**
 * Where a room's snapshot segments live (docs/storage.md): one object per backup cycle since the base, named
 * by the seq it follows (a cycle retried after a crash overwrites its own link instead of forking the chain).
 */
export const snapshotSegmentPrefix = (requestIdx: number) => `temp/chat_${requestIdx}_snapshot/`;
export const snapshotSegmentKey = (requestIdx: number, after: number) => `${snapshotSegmentPrefix(requestIdx)}seg_${after}`;

/** The request id of a temp snapshot or of one of its segments, or undefined. */
export function requestIdxOfSnapshot(key: string): number | undefined {
  const m = /^temp\/chat_(\d+)_snapshot(?:\.txt|\/seg_\d+)$/.exec(key);
  return m ? Number(m[1]) : undefined;
}

/** The request id of a final archive, or undefined. */
export function requestIdxOfArchive(key: string): number | undefined {
  const m = /^archive\/chat_(\d+)_final\.txt$/.exec(key);
  return m ? Number(m[1]) : undefined;
}

/** The seq a segment's name says it follows, or undefined for any other name. */
export function segmentAfterOf(key: string): number | undefined {
  const m = /^temp\/chat_\d+_snapshot\/seg_(\d+)$/.exec(key);
  return m ? Number(m[1]) : undefined;
}
