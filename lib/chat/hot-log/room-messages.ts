import { encodeChatMessage } from '../../../protocol/chat-message';
import { SingleFlight } from '../../async/single-flight';
import type { ChatLog } from './chat-log';
import type { ChatMessageRepository } from '../persistence/chat-message-repository';
import type { HotLogRebuilder } from './hot-log-rebuilder';

/**
 * Reads a room's messages in seq order from where they are: PostgreSQL up to the hot log's base, the
 * verified hot log after it. A room that fails verification is rebuilt and read again once; a closed
 * room that is not in Redis is read from PostgreSQL without warming it. Identical reads in flight at the
 * same time share one (a reconnect storm: both participants of a room sync from the same seq).
 */
export class RoomMessages {
  private readonly inFlight = new SingleFlight<string, readonly string[]>();

  constructor(
    private readonly chatLog: ChatLog,
    private readonly durable: ChatMessageRepository,
    private readonly rebuilder: HotLogRebuilder,
  ) {}

  /** Raw message JSON with seq > afterSeq, at most `limit`; `open` says whether the room may be warmed. */
  readRaw(requestIdx: number, afterSeq: number, limit: number, open: boolean): Promise<readonly string[]> {
    return this.inFlight.run(`${requestIdx}:${afterSeq}:${limit}:${open ? 1 : 0}`, () => this.readOnce(requestIdx, afterSeq, limit, open));
  }

  private async readOnce(requestIdx: number, afterSeq: number, limit: number, open: boolean): Promise<readonly string[]> {
    let hot = await this.chatLog.read(requestIdx, afterSeq, limit);
    if (hot.kind === 'invalid') {
      if (!open) return this.fromDurable(requestIdx, afterSeq, limit, Number.MAX_SAFE_INTEGER);
      await this.rebuilder.rebuild(requestIdx, 'read');
      hot = await this.chatLog.read(requestIdx, afterSeq, limit);
      if (hot.kind === 'invalid') throw new Error(`room ${requestIdx} does not verify after a rebuild`);
    }
    if (afterSeq >= hot.base) return hot.raw;
    const older = await this.fromDurable(requestIdx, afterSeq, limit, hot.base);
    return older.length >= limit ? older : older.concat(hot.raw.slice(0, limit - older.length));
  }

  private async fromDurable(requestIdx: number, afterSeq: number, limit: number, uptoSeq: number): Promise<string[]> {
    const rows = await this.durable.listAfter(requestIdx, afterSeq, limit);
    return rows.filter((m) => m.seq <= uptoSeq).map(encodeChatMessage);
  }
}
