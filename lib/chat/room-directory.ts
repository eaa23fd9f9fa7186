import { notFound } from '../errors/app-error';
import type { ConsultationRepository } from '../consultation/consultation-repository';
import type { ConsultationStatus } from '../consultation/consultation-status';
import { TurnBatch } from '../async/turn-batch';

export interface RoomInfo {
  readonly requestIdx: number;
  readonly studentId: string;
  readonly professorId: string;
  status: ConsultationStatus;
  checkedAt: number;
}

const MAX_ROOMS = 100_000;

/**
 * Per-process cache of who is in a room and its status, so a chat message does not cost a PostgreSQL
 * read. Participants never change; a status is trusted for `statusTtlMs` or until a STATUS event
 * updates it. A stale "open" is harmless (the append script refuses closed rooms) and a stale "closed" is
 * read again at once, so the TTL is only a backstop: at 5 s it cost a read per open room every 5 s.
 */
export class RoomDirectory {
  private readonly rooms = new Map<number, RoomInfo>();
  /** Users asked for in one event-loop turn, by status set: a connect storm reads them in one query. */
  private readonly asked = new Map<string, TurnBatch<string, Map<string, RoomInfo[]>>>();

  constructor(
    private readonly consultations: ConsultationRepository,
    private readonly statusTtlMs = 60_000,
  ) {}

  async get(requestIdx: number, options: { fresh?: boolean } = {}): Promise<RoomInfo> {
    const cached = this.rooms.get(requestIdx);
    if (cached && !options.fresh && Date.now() - cached.checkedAt < this.statusTtlMs) return cached;
    const c = await this.consultations.findById(requestIdx);
    if (!c) throw notFound(`consultation ${requestIdx} not found`);
    const info: RoomInfo = { requestIdx, studentId: c.studentId, professorId: c.professorId, status: c.status, checkedAt: Date.now() };
    if (this.rooms.size >= MAX_ROOMS) this.rooms.clear();
    this.rooms.set(requestIdx, info);
    return info;
  }

  /** A user's rooms in the given statuses, read fresh, and cached for the chat path. */
  async roomsOf(userId: string, statuses: readonly ConsultationStatus[]): Promise<RoomInfo[]> {
    const key = statuses.join(',');
    let batch = this.asked.get(key);
    if (!batch) {
      batch = new TurnBatch((users) => this.load([...new Set(users)], statuses));
      this.asked.set(key, batch);
    }
    return (await batch.add(userId)).get(userId) ?? [];
  }

  /** The rooms of every user asked for, by user (a room is listed under both its participants). */
  private async load(userIds: string[], statuses: readonly ConsultationStatus[]): Promise<Map<string, RoomInfo[]>> {
    const now = Date.now();
    const rooms = (await this.consultations.roomsOfParticipants(userIds, statuses)).map((r) => ({ ...r, checkedAt: now }));
    if (this.rooms.size + rooms.length >= MAX_ROOMS) this.rooms.clear();
    const byUser = new Map<string, RoomInfo[]>();
    const add = (user: string, r: RoomInfo) => {
      const list = byUser.get(user);
      if (list) list.push(r);
      else byUser.set(user, [r]);
    };
    for (const r of rooms) {
      this.rooms.set(r.requestIdx, r);
      add(r.studentId, r);
      if (r.professorId !== r.studentId) add(r.professorId, r);
    }
    return byUser;
  }

  /** Drops every cached room of a user: an erasure moves them to a pseudonym, so "participants never change" ends. */
  forgetParticipant(userId: string): void {
    for (const [id, r] of this.rooms) if (r.studentId === userId || r.professorId === userId) this.rooms.delete(id);
  }

  noteStatus(requestIdx: number, status: ConsultationStatus): void {
    const cached = this.rooms.get(requestIdx);
    if (cached) {
      cached.status = status;
      cached.checkedAt = Date.now();
    }
  }
}
