import type { ChatMessage } from '../../protocol/chat-message';
import { AppError } from '../errors/app-error';
import type { ObjectStore } from '../storage/object-store';
import { segmentAfterOf, snapshotObjectKey, snapshotSegmentPrefix } from '../storage/object-keys';
import type { ArchiveKeyring } from './archive-keyring';
import { readSealedObject } from './archive-reader';
import type { ChainPosition } from './restore-section';
import { parseSegment } from './snapshot-segment';

export interface SegmentObject {
  readonly key: string;
  readonly after: number;
}

/** A room's segment objects, in chain order (by the seq their names say they follow). */
export async function listSegments(store: ObjectStore, requestIdx: number): Promise<SegmentObject[]> {
  const out: SegmentObject[] = [];
  for (const o of await store.list(snapshotSegmentPrefix(requestIdx))) {
    const after = segmentAfterOf(o.key);
    if (after !== undefined) out.push({ key: o.key, after });
  }
  return out.sort((a, b) => a.after - b.after);
}

/** Removes a room's temp snapshot: its segments, then its base. */
export async function removeSnapshot(store: ObjectStore, requestIdx: number): Promise<void> {
  for (const s of await listSegments(store, requestIdx)) await store.remove(s.key);
  await store.remove(snapshotObjectKey(requestIdx));
}

export interface ChainTail {
  /** The segments' messages, in seq order. */
  messages: ChatMessage[];
  /** Segments applied on top of the base. */
  applied: number;
  /** Segments of another base (left by a fold that crashed before removing them) or not linked to this one: skipped. */
  skipped: number;
}

/**
 * The messages a snapshot base's segments add, link by link from `base.upTo`. Every segment is opened as
 * this room's segment (kind and requestIdx are authenticated) and must be the link its name states: one
 * swapped in from another room, or copied to another point of the chain, is refused (an error), never applied.
 */
export async function readChainTail(store: ObjectStore, keyring: ArchiveKeyring, requestIdx: number, base: ChainPosition | undefined): Promise<ChainTail> {
  const tail: ChainTail = { messages: [], applied: 0, skipped: 0 };
  let upTo = base?.upTo ?? 0;
  for (const s of await listSegments(store, requestIdx)) {
    const text = await readSealedObject(store, keyring, s.key, { kind: 'segment', requestIdx });
    if (!text) continue; // removed meanwhile (a fold)
    const { position, messages } = parseSegment(text.toString('utf8'));
    if (position.requestIdx !== requestIdx || position.after !== s.after) {
      throw new AppError('INTERNAL', `${s.key} holds another link of the chain (seqs ${position.after}..${position.upTo}); refused`);
    }
    if (!base || position.chain !== base.chain || position.after !== upTo) {
      tail.skipped++;
      continue;
    }
    tail.messages.push(...messages.filter((m) => m.seq > position.after && m.seq <= position.upTo));
    tail.applied++;
    upTo = position.upTo;
  }
  return tail;
}
