import type { Redis } from 'ioredis';
import type { ArchiveScheduler } from '../archive/archive-scheduler';
import type { ChatLog } from '../chat/hot-log/chat-log';
import type { ChatPersister } from '../chat/persistence/chat-persister';
import type { ConsultationScans } from '../consultation/consultation-scans';
import { CHAT_OPEN_STATUSES } from '../consultation/consultation-status';
import type { Logger } from '../logging/logger';
import { scanKeys } from '../redis/redis-client';
import { roomOfKey, type RedisKeys } from '../redis/redis-keys';
import type { ObjectStore } from '../storage/object-store';
import { SNAPSHOT_PREFIX, requestIdxOfSnapshot } from '../storage/object-keys';

export interface CleanupReport {
  tempRemoved: number;
  orphansArchived: number;
  orphansRemoved: number;
  archivesRequeued: number;
}

/** A completed consultation whose archive job never got queued (a crash in between) is queued again after this. */
const ARCHIVE_GRACE_MS = 5 * 60_000;

/**
 * The daily cleanup: temp snapshots (base and segments) of archived rooms, or of ended/idle rooms older than the retention;
 * Redis room lists with no open consultation (archived first when their archive is missing); and
 * completed consultations whose archive job was lost.
 */
export class CleanupCycle {
  constructor(
    private readonly d: {
      scans: ConsultationScans;
      chatLog: ChatLog;
      persister: ChatPersister;
      archives: ArchiveScheduler;
      redis: Redis;
      keys: RedisKeys;
      store: ObjectStore;
      tempRetentionMs: number;
      log: Logger;
    },
  ) {}

  async run(now = new Date()): Promise<CleanupReport> {
    const report: CleanupReport = { tempRemoved: 0, orphansArchived: 0, orphansRemoved: 0, archivesRequeued: 0 };
    await this.cleanSnapshots(now, report);
    await this.cleanOrphanRooms(report);
    for (const id of await this.d.scans.completedUnarchived(new Date(now.getTime() - ARCHIVE_GRACE_MS), 1000)) {
      await this.d.archives.enqueue(id);
      report.archivesRequeued++;
    }
    return report;
  }

  /** Per room (its base and segments together): removed when archived or gone, or when all of it is older than the retention and the room is not active. */
  private async cleanSnapshots(now: Date, report: CleanupReport): Promise<void> {
    const rooms = new Map<number, { keys: string[]; newest: number }>();
    for (const o of await this.d.store.list(SNAPSHOT_PREFIX)) {
      const id = requestIdxOfSnapshot(o.key);
      if (id === undefined) continue;
      const room = rooms.get(id) ?? { keys: [], newest: 0 };
      room.keys.push(o.key);
      room.newest = Math.max(room.newest, o.lastModified.getTime());
      rooms.set(id, room);
    }
    const cutoff = now.getTime() - this.d.tempRetentionMs;
    const ids = [...rooms.keys()];
    for (let i = 0; i < ids.length; i += 500) {
      const page = ids.slice(i, i + 500);
      const states = await this.d.scans.states(page);
      for (const id of page) {
        const room = rooms.get(id)!;
        const s = states.get(id);
        const open = s !== undefined && CHAT_OPEN_STATUSES.includes(s.status);
        const stale = room.newest < cutoff && (!open || (s?.lastActivityAt.getTime() ?? 0) < cutoff);
        if (!s || s.archived || stale) {
          for (const key of room.keys) await this.d.store.remove(key);
          report.tempRemoved++;
        }
      }
    }
  }

  private async cleanOrphanRooms(report: CleanupReport): Promise<void> {
    for await (const keys of scanKeys(this.d.redis, this.d.keys.chatRoomPattern())) {
      const ids = keys.map(roomOfKey).filter((id): id is number => id !== undefined);
      const states = await this.d.scans.states(ids);
      for (const id of ids) {
        const s = states.get(id);
        if (s && CHAT_OPEN_STATUSES.includes(s.status)) continue;
        if (s && s.status === 'COMPLETED' && !s.archived) {
          // The archive job commits the messages, uploads, then deletes this list.
          await this.d.archives.enqueue(id);
          report.orphansArchived++;
          continue;
        }
        if (s) await this.d.persister.persistRoom(id);
        await this.d.chatLog.remove(id);
        report.orphansRemoved++;
        this.d.log.info({ requestIdx: id, status: s?.status ?? 'missing' }, 'orphan room list removed');
      }
    }
  }
}
