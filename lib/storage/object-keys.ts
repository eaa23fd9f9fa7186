/** Object names in the bucket (CONTRACT §6). */
export const archiveObjectKey = (requestIdx: number) => `archive/chat_${requestIdx}_final.txt`;
export const snapshotObjectKey = (requestIdx: number) => `temp/chat_${requestIdx}_snapshot.txt`;
export const SNAPSHOT_PREFIX = 'temp/';

/** The request id in a temp snapshot's name, or undefined. */
export function requestIdxOfSnapshot(key: string): number | undefined {
  const m = /^temp\/chat_(\d+)_snapshot\.txt$/.exec(key);
  return m ? Number(m[1]) : undefined;
}
