import { notFound } from '../errors/app-error';
import type { ConsultationRepository } from '../consultation/consultation-repository';
import type { ConsultationStatus } from '../consultation/consultation-status';

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
 * updates it. A stale "open" is harmless: the append script refuses closed rooms.
 */
export class RoomDirectory {
  private readonly rooms = new Map<number, RoomInfo>();

  constructor(
    private readonly consultations: ConsultationRepository,
    private readonly statusTtlMs = 5000,
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
    const now = Date.now();
    const rooms = (await this.consultations.roomsOfParticipant(userId, statuses)).map((r) => ({ ...r, checkedAt: now }));
    if (this.rooms.size + rooms.length >= MAX_ROOMS) this.rooms.clear();
    for (const r of rooms) this.rooms.set(r.requestIdx, r);
    return rooms;
  }

  noteStatus(requestIdx: number, status: ConsultationStatus): void {
    const cached = this.rooms.get(requestIdx);
    if (cached) {
      cached.status = status;
      cached.checkedAt = Date.now();
    }
  }
}
