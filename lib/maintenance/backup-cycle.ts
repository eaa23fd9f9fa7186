import type { Redis } from 'ioredis';
import type { ArchiveKeyring } from '../archive/archive-keyring';
import type { RoomMessages } from '../chat/room-messages';
import { readAllPages } from '../chat/seq-pages';
import type { ChatMessage } from '../chat/chat-message';
import type { ChatMessageRepository } from '../chat/chat-message-repository';
import type { ConsultationRepository } from '../consultation/consultation-repository';
import type { ConsultationScans } from '../consultation/consultation-scans';
import { headerOf } from '../archive/consultation-archiver';
import type { Sealer } from '../archive/sealer';
import type { Logger } from '../logging/logger';
import type { RedisKeys } from '../redis/redis-keys';
import type { ObjectStore } from '../storage/object-store';
import { snapshotObjectKey } from '../storage/object-keys';
import { forEachBounded } from './run-bounded';
import { withRoomRewriteLock } from '../archive/room-rewrite-lock';

export interface BackupReport {
  scanned: number;
  changed: number;
  uploaded: number;
  failed: number;
  durationMs: number;
}

const PAGE = 500;
const PAGE_MESSAGES = 5000;
/** A room's snapshot mark outlives any open consultation; when it does expire, the room is just snapshotted again. */
const SNAPSHOT_MARK_TTL_MS = 7 * 24 * 3600_000;

/**
 * One backup cycle: for every IN_PROGRESS room whose last seq moved since its last snapshot, format,
 * hash and encrypt on the seal pool and upload `temp/chat_{id}_snapshot.txt`, with a cap on concurrent
 * uploads. Unchanged rooms cost one Redis read each; a failed room is retried next cycle.
 */
export class BackupCycle {
  constructor(
    private readonly d: {
      scans: ConsultationScans;
      consultations: ConsultationRepository;
      roomMessages: RoomMessages;
      messages: ChatMessageRepository;
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
    const report: BackupReport = { scanned: 0, changed: 0, uploaded: 0, failed: 0, durationMs: 0 };
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
          await this.snapshot(room.requestIdx, room.seq);
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
      Promise.all(ids.map((id) => this.d.redis.hget(k.chatMeta(id), 'seq'))),
      Promise.all(ids.map((id) => this.d.redis.get(k.backupSnapshotSeq(id)))),
    ]);
    // Rooms not in Redis (expired or lost): PostgreSQL knows their last committed seq, in one query.
    const durable = await this.d.messages.lastSeqs(ids.filter((_, i) => inRedis[i] === null || inRedis[i] === undefined));
    const out: { requestIdx: number; seq: number }[] = [];
    for (let i = 0; i < ids.length; i++) {
      const raw = inRedis[i];
      const seq = raw !== null && raw !== undefined ? Number(raw) : (durable.get(ids[i]!) ?? 0);
      if (seq > 0 && seq !== Number(snapshotted[i] ?? 0)) out.push({ requestIdx: ids[i]!, seq });
    }
    return out;
  }

  /** Under the room's rewrite lock: an erasure re-sealing the room meanwhile makes this cycle skip it. */
  private async snapshot(requestIdx: number, seq: number): Promise<void> {
    await withRoomRewriteLock(this.d.redis, this.d.keys, requestIdx, () => this.snapshotUnlocked(requestIdx, seq));
  }

  private async snapshotUnlocked(requestIdx: number, seq: number): Promise<void> {
    const c = await this.d.consultations.findById(requestIdx);
    if (!c) return;
    const messages = await readAllPages(
      async (after) => (await this.d.roomMessages.readRaw(requestIdx, after, PAGE_MESSAGES, false)).map((r) => JSON.parse(r) as ChatMessage),
      PAGE_MESSAGES,
    );
    const { activeKeyId, keys } = this.d.keyring;
    const sealed = await this.d.sealer.seal({
      kind: 'snapshot',
      header: headerOf(c),
      messages,
      timeZone: this.d.timeZone,
      keyId: activeKeyId,
      key: keys.get(activeKeyId)!,
    });
    await this.d.store.put(snapshotObjectKey(requestIdx), Buffer.from(sealed.body), sealed.metadata);
    await this.d.redis.set(this.d.keys.backupSnapshotSeq(requestIdx), String(seq), 'PX', SNAPSHOT_MARK_TTL_MS);
  }
}
