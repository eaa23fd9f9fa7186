import type { SealedKind } from './archive-cipher';
import type { ArchiveHeader } from './archive-text';
import type { ChatMessage } from '../../protocol/chat-message';

/** A snapshot's place in its room's chain: a base (holds up to `upTo`) or, with `after`, a segment of (after, upTo]. */
export interface SealPosition {
  chain: string;
  upTo: number;
  after?: number;
}

/** Input of one seal task: format the text and encrypt it (CPU work, run on a thread pool). */
export interface SealTask {
  /** What the object is (bound into its authenticated header with header.requestIdx). */
  kind: SealedKind;
  header: ArchiveHeader;
  messages: ChatMessage[];
  timeZone: string;
  keyId: string;
  key: Uint8Array;
  /** Snapshots and segments: where in the room's chain (see backup-cycle.ts); required for kind `segment`. */
  position?: SealPosition;
}

export interface SealResult {
  body: Uint8Array;
  metadata: { 'key-id': string; algorithm: string };
}

/** Where seal tasks run: a piscina pool in the worker process, inline in tools and tests. */
export interface Sealer {
  seal(task: SealTask): Promise<SealResult>;
}
