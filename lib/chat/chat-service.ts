import { randomUUID } from 'node:crypto';
import { AppError, invalidTransition, notParticipant } from '../errors/app-error';
import type { ConsultationLifecycle } from '../consultation/consultation-lifecycle';
import { CHAT_OPEN_STATUSES } from '../consultation/consultation-status';
import type { EventPublisher } from '../events/event-publisher';
import type { Principal } from '../identity/principal';
import type { ActivityRecorder } from './send/activity-recorder';
import type { AppendOutcome } from './send/append-outcome';
import type { ChatLog } from './hot-log/chat-log';
import type { RoomEvent } from '../../protocol/room-events';
import type { CommitBatcher } from './send/commit-batcher';
import type { HotLogRebuilder } from './hot-log/hot-log-rebuilder';
import type { RoomMessages } from './hot-log/room-messages';
import { SeqLease } from './send/seq-lease';
import { type ChatMessage, decodeChatMessage } from '../../protocol/chat-message';
import type { ChatMessageRepository } from './persistence/chat-message-repository';
import type { RoomDirectory, RoomInfo } from './room-directory';
import type { ErasureFence } from '../data-office/erasure-fence';

export interface SendResult {
  /** The seq the append gave (the original one for a duplicate). */
  readonly seq: number;
  readonly duplicate: boolean;
  /**
   * Resolves with the seq the message is stored under once the RECEIPT may go out: once the room is indexed
   * for persistence with `redis` receipts, after the group commit too with `postgres` receipts. Awaited
   * apart from the send, so a session's next frames are not held behind a commit.
   */
  readonly receiptable: Promise<number>;
}

/** Most messages one sync or history call returns; clients page with afterSeq. */
export const MAX_SYNC_BATCH = 500;

/** `redis`: RECEIPT once appended in Redis; `postgres`: once committed in PostgreSQL (CONTRACT §2). */
export type ReceiptAfter = 'redis' | 'postgres';

const MAX_LEASE_ROUNDS = 64;
const notStored = () => new AppError('INTERNAL', 'the message could not be stored yet; retry with the same clientMsgId');

export interface ChatServiceDeps {
  rooms: RoomDirectory;
  erasureFence: ErasureFence;
  chatLog: ChatLog;
  roomMessages: RoomMessages;
  rebuilder: HotLogRebuilder;
  lease: SeqLease;
  durable: ChatMessageRepository;
  lifecycle: ConsultationLifecycle;
  events: EventPublisher;
  activity: ActivityRecorder;
  maxMessageChars: number;
  receiptAfter: ReceiptAfter;
  /** Group commit for `postgres` receipts. */
  batcher: CommitBatcher;
  /**
   * Told of every append: indexes the room for persistence (the index lives in another slot than the room,
   * so this follows the append; the RECEIPT waits for it, so every receipted message is indexed) and wakes
   * the worker.
   */
  onAppended(requestIdx: number, seq: number): Promise<void>;
}

/** Chat use cases shared by STOMP and REST: send, read marks, sync, typing, history. */
export class ChatService {
  constructor(private readonly d: ChatServiceDeps) {}

  /**
   * Sends a message. `issued` is called as soon as the first append is on its way to Redis: a session may
   * then go on with its next frame (pipelining) and its appends still reach Redis in frame order, since
   * every retry path (rebuild, lease) waits on promises shared in FIFO order.
   */
  async send(actor: Principal, input: { requestIdx: number; content: string; clientMsgId: string }, issued: () => void = () => undefined): Promise<SendResult> {
    const d = this.d;
    if (input.content.length > d.maxMessageChars && [...input.content].length > d.maxMessageChars) {
      throw new AppError('VALIDATION_FAILED', `content must be at most ${d.maxMessageChars} characters`);
    }
    let room = await this.participantRoom(actor, input.requestIdx);
    if (!CHAT_OPEN_STATUSES.includes(room.status)) room = await d.rooms.get(input.requestIdx, { fresh: true });
    if (!CHAT_OPEN_STATUSES.includes(room.status)) throw invalidTransition(`consultation is ${room.status}; messages are not accepted`);
    if (room.status === 'SCHEDULED') {
      const started = await d.lifecycle.startForChat(room.requestIdx, actor.userId);
      d.rooms.noteStatus(room.requestIdx, started.status);
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
    const outcome = await this.appendVerified(message, now.getTime(), issued);
    if (outcome.kind === 'rate-limited') throw new AppError('RATE_LIMITED', 'too many messages; slow down');
    if (outcome.kind === 'log-full') throw new AppError('PAYLOAD_TOO_LARGE', 'this consultation has reached its log size limit');
    if (outcome.kind === 'closed') {
      d.rooms.noteStatus(room.requestIdx, 'COMPLETED');
      throw invalidTransition('consultation has ended; messages are not accepted');
    }
    if (outcome.kind === 'appended') {
      d.activity.touch(room.requestIdx, now);
      if (SeqLease.runningLow(outcome.seq, outcome.lease)) d.lease.extendSoon(room.requestIdx);
    }
    // A duplicate is indexed again too: its first attempt may have failed between the append and the index.
    const indexed = d.onAppended(room.requestIdx, outcome.seq).catch(() => Promise.reject(notStored()));
    const duplicate = outcome.kind === 'duplicate';
    if (d.receiptAfter === 'redis') return { seq: outcome.seq, duplicate, receiptable: indexed.then(() => outcome.seq) };
    const committed = duplicate
      ? this.ensureCommitted(room.requestIdx, outcome.seq)
      : d.batcher.commit({ ...message, seq: outcome.seq }).catch(() => Promise.reject(notStored()));
    return { seq: outcome.seq, duplicate, receiptable: Promise.all([indexed, committed]).then(() => outcome.seq) };
  }

  async read(actor: Principal, requestIdx: number) {
    return this.d.lifecycle.markRead(actor, requestIdx);
  }

  async typing(actor: Principal, requestIdx: number): Promise<void> {
    const room = await this.participantRoom(actor, requestIdx);
    const peerId = actor.userId === room.studentId ? room.professorId : room.studentId;
    const typing: RoomEvent = { type: 'TYPING', requestIdx, userId: actor.userId };
    await this.d.events.toUsers([peerId], typing);
  }

  /**
   * CHAT events after `afterSeq` as raw message JSON, in seq order (at most MAX_SYNC_BATCH). A replay of the
   * past re-checks who may read it, fresh: a session may predate an erasure of its user.
   */
  async sync(actor: Principal, requestIdx: number, afterSeq: number, limit = MAX_SYNC_BATCH): Promise<readonly string[]> {
    await this.d.erasureFence.assertNotUnderErasure(actor.userId);
    const room = await this.participantRoom(actor, requestIdx, { fresh: true });
    return this.d.roomMessages.readRaw(requestIdx, afterSeq, Math.min(limit, MAX_SYNC_BATCH), CHAT_OPEN_STATUSES.includes(room.status));
  }

  /** History page for REST: participants (read fresh: an erasure moves a room to a pseudonym) and ADMIN. */
  async history(actor: Principal, requestIdx: number, afterSeq: number, limit: number): Promise<{ items: ChatMessage[]; nextAfterSeq: number }> {
    const room = await this.d.rooms.get(requestIdx, { fresh: true });
    if (actor.userId !== room.studentId && actor.userId !== room.professorId && !actor.roles.has('ADMIN')) throw notParticipant();
    const raw = await this.d.roomMessages.readRaw(requestIdx, afterSeq, limit, CHAT_OPEN_STATUSES.includes(room.status));
    const items = raw.map((r) => decodeChatMessage(r));
    return { items, nextAfterSeq: items.length ? items[items.length - 1]!.seq : afterSeq };
  }

  /** Appends against a verified room: rebuilds a room that fails verification, extends a used-up seq lease. */
  private async appendVerified(
    message: Omit<ChatMessage, 'seq'>,
    nowMs: number,
    issued: () => void,
  ): Promise<Exclude<AppendOutcome, { kind: 'invalid' | 'lease-exhausted' }>> {
    const d = this.d;
    let rebuilt = false;
    // A burst of pipelined sends can use up several leases in a row: lease rounds are bounded separately.
    for (let attempt = 0, leaseRounds = 0; leaseRounds < MAX_LEASE_ROUNDS; attempt++) {
      const pending = d.chatLog.append(message, nowMs);
      if (attempt === 0) issued();
      const outcome = await pending;
      try {
        if (outcome.kind === 'invalid') {
          if (rebuilt) break;
          rebuilt = true;
          await d.rebuilder.rebuild(message.requestIdx, 'append');
        } else if (outcome.kind === 'lease-exhausted') {
          leaseRounds++;
          await d.lease.extend(message.requestIdx);
        } else return outcome;
      } catch {
        throw notStored(); // PostgreSQL is needed to rebuild or extend: the client retries
      }
    }
    throw notStored();
  }

  /** A duplicate's original is receipted in `postgres` mode only once it is committed (commits it if needed). */
  private async ensureCommitted(requestIdx: number, seq: number): Promise<number> {
    try {
      if (await this.d.durable.exists(requestIdx, seq)) return seq;
      const [raw] = await this.d.roomMessages.readRaw(requestIdx, seq - 1, 1, true);
      const original = raw ? decodeChatMessage(raw) : undefined;
      if (!original || original.seq !== seq) throw notStored();
      return await this.d.batcher.commit(original);
    } catch {
      throw notStored();
    }
  }

  private async participantRoom(actor: Principal, requestIdx: number, options: { fresh?: boolean } = {}): Promise<RoomInfo> {
    const room = await this.d.rooms.get(requestIdx, options);
    if (actor.userId !== room.studentId && actor.userId !== room.professorId) throw notParticipant();
    return room;
  }
}
