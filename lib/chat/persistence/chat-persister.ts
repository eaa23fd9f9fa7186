import { type ChatMessage, decodeChatMessage } from '../../../protocol/chat-message';
import type { DurableCommit } from './durable-commit';
import type { HotLogRebuilder } from '../hot-log/hot-log-rebuilder';
import type { PendingRoom, PersistIndex } from './persist-index';
import { HOT_TAIL_MESSAGES } from '../hot-log/hot-tail';

/** Most rooms a round takes of one shard. */
const ROOMS_PER_ROUND = 200;
/** Most messages of one room per round: a long backlog is committed over several rounds, memory stays bounded. */
const MESSAGES_PER_ROOM = 5000;

export interface PersistObserver {
  /** Rows this run inserted (a row committed earlier by a retry or another writer is not counted again). */
  onCommitted(messages: readonly ChatMessage[], committedAtMs: number): void;
}

export interface ChatPersisterDeps {
  index: PersistIndex;
  commit: DurableCommit;
  rebuilder: HotLogRebuilder;
  observer?: PersistObserver;
  /** Most messages read of one room per round (MESSAGES_PER_ROOM). */
  messagesPerRoom?: number;
  /** Committed messages a room's hot log keeps (HOT_TAIL_MESSAGES). */
  hotTail?: number;
}

/**
 * Moves receipted messages from the Redis hot log into PostgreSQL, a round at a time: the rooms a shard's
 * index lists are read through verification, written through DurableCommit (which proves every row
 * stored), and only then acknowledged. A room that fails verification is rebuilt instead (the rebuild
 * commits what is left and counts what is lost), so a range is never marked committed that was not written.
 */
export class ChatPersister {
  constructor(private readonly d: ChatPersisterDeps) {}

  /**
   * One round over the shards' oldest-indexed rooms (one commit for all of them); `full` when a shard gave as
   * many as a round takes of it (a backlog).
   */
  async persistRound(shards: readonly number[]): Promise<{ rooms: number; written: number; full: boolean }> {
    const listed = await Promise.all(shards.map((s) => this.d.index.rooms(s, ROOMS_PER_ROUND)));
    const rooms = listed.flat();
    if (rooms.length === 0) return { rooms: 0, written: 0, full: false };
    return { rooms: rooms.length, written: await this.persistRooms(rooms), full: listed.some((l) => l.length === ROOMS_PER_ROUND) };
  }

  /** Commits one room's pending messages now (the archive does this before reading PostgreSQL). */
  async persistRoom(requestIdx: number): Promise<void> {
    for (let before = -1; ;) {
      const { committed, pending } = await this.d.index.marks(requestIdx);
      if (pending <= committed || committed === before) return; // done, or no progress (a rebuild settles it)
      before = committed;
      await this.persistRooms([{ requestIdx, newest: pending }]);
    }
  }

  /**
   * One round over rooms: read each room's uncommitted slice (with its committed mark), commit
   * them together, ack the rooms' marks (trimming their hot logs to the tail), then take the rooms off the
   * index (a call per shard). On one Redis server the reads and the acks are one script call each for the round.
   */
  private async persistRooms(rooms: readonly PendingRoom[]): Promise<number> {
    const cap = this.d.messagesPerRoom ?? MESSAGES_PER_ROOM;
    const reads = await this.d.index.readUncommitted(rooms, cap);
    const batch: ChatMessage[] = [];
    const acks: PendingRoom[] = [];
    const settled: PendingRoom[] = [];
    for (let i = 0; i < rooms.length; i++) {
      const r = rooms[i]!;
      const read = reads[i]!;
      if (read.kind === 'invalid') {
        // The rebuild commits whatever is left, counts what is lost and moves the marks past it.
        await this.d.rebuilder.rebuild(r.requestIdx, 'persist');
        settled.push(r);
        continue;
      }
      let last = read.committed;
      for (const raw of read.raw) {
        const m = decodeChatMessage(raw);
        batch.push(m);
        last = m.seq;
      }
      // Acked up to what was read: a room cut short by the cap keeps its (higher) index score.
      acks.push({ requestIdx: r.requestIdx, newest: read.raw.length < cap ? r.newest : last });
    }
    const { inserted } = await this.d.commit.commit(batch);
    if (inserted.length) this.d.observer?.onCommitted(inserted, Date.now());
    // Marks first (the room's slot), then the index (the shard's): an append in between re-indexes the room
    // with a higher score, which the conditional removal leaves in place.
    const tail = this.d.hotTail ?? HOT_TAIL_MESSAGES;
    await this.d.index.ack(acks, tail);
    await this.d.index.unindex([...settled, ...acks]);
    return inserted.length;
  }
}
