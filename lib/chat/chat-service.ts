import { randomUUID } from 'node:crypto';
import { AppError, invalidTransition, notParticipant } from '../errors/app-error';
import type { ConsultationLifecycle } from '../consultation/consultation-lifecycle';
import { CHAT_OPEN_STATUSES } from '../consultation/consultation-status';
import type { EventPublisher } from '../events/event-publisher';
import type { Principal } from '../identity/principal';
import type { ActivityRecorder } from './activity-recorder';
import type { ChatLog } from './chat-log';
import type { ChatMessage } from './chat-message';
import type { ChatMessageRepository } from './chat-message-repository';
import type { RoomDirectory, RoomInfo } from './room-directory';

export interface SendResult {
  readonly seq: number;
  readonly duplicate: boolean;
}

/** Most messages one sync or history call returns; clients page with afterSeq. */
export const MAX_SYNC_BATCH = 500;

/** Chat use cases shared by STOMP and REST: send, read marks, sync, typing, history. */
export class ChatService {
  private readonly loading = new Map<number, Promise<void>>();

  constructor(
    private readonly rooms: RoomDirectory,
    private readonly chatLog: ChatLog,
    private readonly durable: ChatMessageRepository,
    private readonly lifecycle: ConsultationLifecycle,
    private readonly events: EventPublisher,
    private readonly activity: ActivityRecorder,
    private readonly maxMessageChars: number,
    /** Told of every new append (wakes the persistence worker). */
    private readonly onAppended: (requestIdx: number) => void = () => undefined,
  ) {}

  async send(actor: Principal, input: { requestIdx: number; content: string; clientMsgId: string }): Promise<SendResult> {
    if (input.content.length > this.maxMessageChars && [...input.content].length > this.maxMessageChars) {
      throw new AppError('VALIDATION_FAILED', `content must be at most ${this.maxMessageChars} characters`);
    }
    let room = await this.participantRoom(actor, input.requestIdx);
    if (!CHAT_OPEN_STATUSES.includes(room.status)) room = await this.rooms.get(input.requestIdx, { fresh: true });
    if (!CHAT_OPEN_STATUSES.includes(room.status)) throw invalidTransition(`consultation is ${room.status}; messages are not accepted`);
    if (room.status === 'SCHEDULED') {
      const started = await this.lifecycle.startForChat(room.requestIdx, actor.userId);
      this.rooms.noteStatus(room.requestIdx, started.status);
    }
    const now = new Date();
    const isStudent = actor.userId === room.studentId;
    const message: Omit<ChatMessage, 'seq'> = {
      requestIdx: room.requestIdx,
      messageId: randomUUID(),
      senderId: actor.userId,
      senderRole: isStudent ? 'STUDENT' : 'PROFESSOR',
      content: input.content,
      sentAt: now.toISOString(),
      clientMsgId: input.clientMsgId,
    };
    const peerId = isStudent ? room.professorId : room.studentId;
    let outcome = await this.chatLog.append(message, peerId, now.getTime());
    if (outcome.kind === 'not-loaded') {
      await this.ensureLoaded(room.requestIdx);
      outcome = await this.chatLog.append(message, peerId, now.getTime());
    }
    if (outcome.kind === 'closed') {
      this.rooms.noteStatus(room.requestIdx, 'COMPLETED');
      throw invalidTransition('consultation has ended; messages are not accepted');
    }
    if (outcome.kind === 'not-loaded') throw new AppError('INTERNAL', 'room could not be loaded');
    if (outcome.kind === 'appended') {
      this.activity.touch(room.requestIdx, now);
      this.onAppended(room.requestIdx);
    }
    return { seq: outcome.seq, duplicate: outcome.kind === 'duplicate' };
  }

  async read(actor: Principal, requestIdx: number) {
    return this.lifecycle.markRead(actor, requestIdx);
  }

  async typing(actor: Principal, requestIdx: number): Promise<void> {
    const room = await this.participantRoom(actor, requestIdx);
    const peerId = actor.userId === room.studentId ? room.professorId : room.studentId;
    await this.events.toUsers([peerId], { type: 'TYPING', requestIdx, userId: actor.userId });
  }

  /** CHAT events after `afterSeq` as raw message JSON, in seq order (at most MAX_SYNC_BATCH). */
  async sync(actor: Principal, requestIdx: number, afterSeq: number, limit = MAX_SYNC_BATCH): Promise<string[]> {
    await this.participantRoom(actor, requestIdx);
    return this.range(requestIdx, afterSeq, Math.min(limit, MAX_SYNC_BATCH));
  }

  /** History page for REST: participants and ADMIN. */
  async history(actor: Principal, requestIdx: number, afterSeq: number, limit: number): Promise<{ items: ChatMessage[]; nextAfterSeq: number }> {
    const room = await this.rooms.get(requestIdx);
    if (actor.userId !== room.studentId && actor.userId !== room.professorId && !actor.roles.has('ADMIN')) throw notParticipant();
    const items = (await this.range(requestIdx, afterSeq, limit)).map((raw) => JSON.parse(raw) as ChatMessage);
    return { items, nextAfterSeq: items.length ? items[items.length - 1]!.seq : afterSeq };
  }

  private async range(requestIdx: number, afterSeq: number, limit: number): Promise<string[]> {
    if (!(await this.chatLog.isLoaded(requestIdx))) {
      // Ended and archived rooms are read from PostgreSQL without warming Redis.
      const room = await this.rooms.get(requestIdx);
      if (!CHAT_OPEN_STATUSES.includes(room.status)) {
        return (await this.durable.listAfter(requestIdx, afterSeq, limit)).map((m) => JSON.stringify(m));
      }
      await this.ensureLoaded(requestIdx);
    }
    return this.chatLog.rangeRaw(requestIdx, afterSeq, limit);
  }

  private async participantRoom(actor: Principal, requestIdx: number): Promise<RoomInfo> {
    const room = await this.rooms.get(requestIdx);
    if (actor.userId !== room.studentId && actor.userId !== room.professorId) throw notParticipant();
    return room;
  }

  /** Rebuilds the hot log from PostgreSQL (one loader per room per process). */
  private ensureLoaded(requestIdx: number): Promise<void> {
    let pending = this.loading.get(requestIdx);
    if (!pending) {
      pending = (async () => {
        const messages: ChatMessage[] = [];
        for (;;) {
          const batch = await this.durable.listAfter(requestIdx, messages.length ? messages[messages.length - 1]!.seq : 0, 5000);
          messages.push(...batch);
          if (batch.length < 5000) break;
        }
        await this.chatLog.restore(requestIdx, messages);
      })().finally(() => this.loading.delete(requestIdx));
      this.loading.set(requestIdx, pending);
    }
    return pending;
  }
}
