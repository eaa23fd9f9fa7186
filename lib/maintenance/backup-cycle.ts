import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ArchiveKeyring } from '../archive/archive-keyring';
import type { RoomMessages } from '../chat/hot-log/room-messages';
import { readAllPages } from '../chat/hot-log/seq-pages';
import type { ChatMessage } from '../../protocol/chat-message';
import type { ChatMessageRepository } from '../chat/persistence/chat-message-repository';
import type { ConsultationRepository } from '../consultation/consultation-repository';
import type { ConsultationScans } from '../consultation/consultation-scans';
import { headerOf } from '../archive/consultation-archiver';
import type { Sealer } from '../archive/sealer';
import type { Logger } from '../logging/logger';
import type { RedisKeys } from '../redis/redis-keys';
import type { ChatLog } from '../chat/hot-log/chat-log';
import type { ObjectStore } from '../storage/object-store';
import { snapshotObjectKey, snapshotSegmentKey } from '../storage/object-keys';
import { listSegments } from '../archive/snapshot-chain';
import { forEachBounded } from './run-bounded';
import { withRoomRewriteLock } from '../archive/room-rewrite-lock';

export interface BackupReport {
  scanned: number;
  changed: number;
  uploaded: number;
  /** Sealed bytes uploaded (bases and segments). */
  uploadedBytes: number;
  failed: number;
  durationMs: number;
}

const PAGE = 500;
const PAGE_MESSAGES = 5000;
/** A room's chain mark outlives any open consultation; when it does expire, the room just gets a new base. */
const SNAPSHOT_MARK_TTL_MS = 7 * 24 * 3600_000;
/** Segments after which the next cycle folds them into a new base (bounds the objects a restore reads). */
const MAX_SEGMENTS = 200;

/**
 * One backup cycle: for every IN_PROGRESS room whose last seq moved since its last snapshot, seal on the
 * seal pool and upload only what is new: a segment `temp/chat_{id}_snapshot/seg_{after}` of the messages
 * after the chain's last link, so a cycle costs what changed, not the room's size. A room without a known
 * chain (first cycle, or its mark was lost with Redis) gets a base `temp/chat_{id}_snapshot.txt` (the whole
 * room, with a new chain id); so does one whose segments reach MAX_SEGMENTS or half the base's size (folding:
 * restore then reads at most 1.5 bases). Uploads are capped in concurrency; unchanged rooms cost one Redis
 * read each; a failed room is retried next cycle.
 */
export class BackupCycle {
  constructor(
    private readonly d: {
      scans: ConsultationScans;
      consultations: ConsultationRepository;
      roomMessages: RoomMessages;
      messages: ChatMessageRepository;
      chatLog: Pick<ChatLog, 'verifiedSeq'>;
      redis: Redis;
      keys: RedisKeys;
      store: ObjectStore;
      sealer: Sealer;
      keyring: ArchiveKeyring;
      timeZone: string;
      log: Logger;
      uploadConcurrency: number;
    },
  ) {}

  async run(): Promise<BackupReport> {
    const started = Date.now();
    const report: BackupReport = { scanned: 0, changed: 0, uploaded: 0, uploadedBytes: 0, failed: 0, durationMs: 0 };
    let after = 0;
    for (;;) {
      const rooms = await this.d.scans.openRoomsAfter(after, PAGE);
      if (rooms.length === 0) break;
      after = rooms[rooms.length - 1]!.requestIdx;
      report.scanned += rooms.length;
      const changed = await this.changedRooms(rooms.map((r) => r.requestIdx));
      report.changed += changed.length;
      const { failed } = await forEachBounded(changed, this.d.uploadConcurrency, async (room) => {
        try {
          report.uploadedBytes += await this.snapshot(room.requestIdx, room.seq);
          report.uploaded++;
        } catch (err) {
          this.d.log.warn({ err, requestIdx: room.requestIdx }, 'snapshot failed; retried next cycle');
          throw err;
        }
      });
      report.failed += failed.length;
      if (rooms.length < PAGE) break;
    }
    report.durationMs = Date.now() - started;
    return report;
  }

  /** Rooms whose current seq differs from the seq of their last snapshot. */
  private async changedRooms(ids: number[]): Promise<{ requestIdx: number; seq: number }[]> {
    const k = this.d.keys;
    // One command per room (each in its own slot); auto-pipelining sends them together.
    const [inRedis, snapshotted] = await Promise.all([
      Promise.all(ids.map((id) => this.d.chatLog.verifiedSeq(id))),
      Promise.all(ids.map((id) => this.d.redis.get(k.backupSnapshotSeq(id)))),
    ]);
    // Rooms not in Redis (expired, lost, or not verifying): PostgreSQL knows their last committed seq, in one query.
    const durable = await this.d.messages.lastSeqs(ids.filter((_, i) => inRedis[i] === undefined));
    const out: { requestIdx: number; seq: number }[] = [];
    for (let i = 0; i < ids.length; i++) {
      const seq = inRedis[i] ?? durable.get(ids[i]!) ?? 0;
      if (seq > 0 && seq !== markedSeq(snapshotted[i])) out.push({ requestIdx: ids[i]!, seq });
    }
    return out;
  }

  /** Under the room's rewrite lock: an erasure re-sealing the room meanwhile makes this cycle skip it. */
  private async snapshot(requestIdx: number, seq: number): Promise<number> {
    return (await withRoomRewriteLock(this.d.redis, this.d.keys, requestIdx, () => this.snapshotUnlocked(requestIdx, seq))) ?? 0;
  }

  /** A segment of what is new since the chain's last link, or a new base when there is no chain or it is time to fold. Returns the bytes uploaded. */
  private async snapshotUnlocked(requestIdx: number, seq: number): Promise<number> {
    const c = await this.d.consultations.findById(requestIdx);
    if (!c) return 0;
    const chain = parseChainMark(await this.d.redis.get(this.d.keys.backupSnapshotSeq(requestIdx)));
    const fold = !chain || chain.segments >= MAX_SEGMENTS || chain.segmentBytes * 2 > chain.baseBytes;
    const after = fold ? 0 : chain.upTo;
    const messages = await readAllPages(
      async (from) => (await this.d.roomMessages.readRaw(requestIdx, from, PAGE_MESSAGES, false)).map((r) => JSON.parse(r) as ChatMessage),
      PAGE_MESSAGES,
      after,
    );
    const upTo = Math.max(seq, messages.at(-1)?.seq ?? 0);
    const id = fold ? randomBytes(8).toString('hex') : chain.chain;
    const { activeKeyId, keys } = this.d.keyring;
    const sealed = await this.d.sealer.seal({
      kind: fold ? 'snapshot' : 'segment',
      header: headerOf(c),
      messages,
      timeZone: this.d.timeZone,
      keyId: activeKeyId,
      key: keys.get(activeKeyId)!,
      position: fold ? { chain: id, upTo } : { chain: id, after, upTo },
    });
    const body = Buffer.from(sealed.body.buffer, sealed.body.byteOffset, sealed.body.byteLength);
    const next: ChainMark = fold
      ? { chain: id, upTo, segments: 0, segmentBytes: 0, baseBytes: body.length }
      : { ...chain, upTo, segments: chain.segments + 1, segmentBytes: chain.segmentBytes + body.length };
    if (fold) {
      await this.d.store.put(snapshotObjectKey(requestIdx), body, sealed.metadata);
      await this.setMark(requestIdx, next);
      // Links of the previous base: restore would skip them (another chain id), but they cost storage.
      for (const s of await listSegments(this.d.store, requestIdx)) await this.d.store.remove(s.key);
    } else {
      await this.d.store.put(snapshotSegmentKey(requestIdx, after), body, sealed.metadata);
      await this.setMark(requestIdx, next);
    }
    return body.length;
  }

  private async setMark(requestIdx: number, mark: ChainMark): Promise<void> {
    await this.d.redis.set(this.d.keys.backupSnapshotSeq(requestIdx), JSON.stringify(mark), 'PX', SNAPSHOT_MARK_TTL_MS);
  }
}

/** The room's chain as the last cycle left it (the value of its backup mark in Redis). */
interface ChainMark {
  chain: string;
  upTo: number;
  segments: number;
  segmentBytes: number;
  baseBytes: number;
}

/** A lost or older-format mark (a bare seq) means no chain is known: the next cycle writes a base. */
function parseChainMark(raw: string | null): ChainMark | undefined {
  if (!raw?.startsWith('{')) return undefined;
  const m = JSON.parse(raw) as Partial<ChainMark>;
  return typeof m.chain === 'string' && typeof m.upTo === 'number' ? (m as ChainMark) : undefined;
}

/** Seq of the chain's last link, from its mark (change detection). */
function markedSeq(raw: string | null | undefined): number {
  return parseChainMark(raw ?? null)?.upTo ?? Number(raw ?? 0);
}
