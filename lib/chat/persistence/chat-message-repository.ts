import type { Knex } from 'knex';
import { TurnBatch } from '../../async/turn-batch';
import { preparedQuery } from '../../db/prepared-query';
import type { ChatMessage } from '../../../protocol/chat-message';

const TABLE = 'chat_message';

/** A rebuilt hot log's starting state (see chat-rebuild.lua). */
export interface RebuildState {
  dedupe: { senderId: string; clientMsgId: string; seq: number }[];
  contentBytes: number;
  messages: number;
  dedupeBase: number;
}

/** Prepared once per connection: the persister runs it for every batch. */
const INSERT_MANY = {
  name: 'oh-chat-insert-many',
  text: `INSERT INTO ${TABLE} (request_idx, seq, message_id, sender_id, sender_role, content, sent_at, client_msg_id)
    SELECT * FROM unnest($1::bigint[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::text[])
    ON CONFLICT DO NOTHING RETURNING request_idx, seq`,
};

interface Row {
  request_idx: number;
  seq: number;
  message_id: string;
  sender_id: string;
  sender_role: 'STUDENT' | 'PROFESSOR';
  content: string;
  sent_at: Date;
  client_msg_id: string;
}

const toMessage = (r: Row): ChatMessage => ({
  requestIdx: r.request_idx,
  seq: r.seq,
  messageId: r.message_id,
  senderId: r.sender_id,
  senderRole: r.sender_role,
  content: r.content,
  sentAt: new Date(r.sent_at).toISOString(),
  clientMsgId: r.client_msg_id,
});

/** The durable copy of chat messages in PostgreSQL. */
/**
 * The stored seqs of (room, sender, clientMsgId) triples: one index probe each on the unique index (the
 * lateral join keeps the planner from scanning a room's rows for a hash join).
 */
const ORIGINAL_SEQS = {
  name: 'oh-chat-original-seqs',
  text: `SELECT m.request_idx, m.sender_id, m.client_msg_id, c.seq
    FROM unnest($1::bigint[], $2::text[], $3::text[]) AS m(request_idx, sender_id, client_msg_id)
    JOIN LATERAL (SELECT seq FROM ${TABLE} c WHERE c.request_idx = m.request_idx AND c.sender_id = m.sender_id
      AND c.client_msg_id = m.client_msg_id) c ON true`,
};

interface OriginalSeqQuery {
  readonly requestIdx: number;
  readonly senderId: string;
  readonly clientMsgId: string;
}

const originalKey = (requestIdx: number, senderId: string, clientMsgId: string) => `${requestIdx}\u0000${senderId}\u0000${clientMsgId}`;

export class ChatMessageRepository {
  /**
   * Every room's lookups of one turn in one prepared statement: past its dedupe window a room checks each
   * new id here before it is appended, so at thousands of messages a second this is one query a turn, not
   * one a message (which queued sends behind the connection pool without bound).
   */
  private readonly originalsOfTurn = new TurnBatch<OriginalSeqQuery, Map<string, number>>(async (queries) => {
    const rows = await preparedQuery(this.knex, ORIGINAL_SEQS, [
      queries.map((q) => q.requestIdx),
      queries.map((q) => q.senderId),
      queries.map((q) => q.clientMsgId),
    ]);
    return new Map(rows.map((r) => [originalKey(Number(r['request_idx']), String(r['sender_id']), String(r['client_msg_id'])), Number(r['seq'])]));
  });

  constructor(private readonly knex: Knex) {}

  /**
   * Idempotent batched insert: rows already present (same room+seq, or same sender+clientMsgId) are
   * skipped; returns the `room:seq` of the rows actually inserted. One statement with eight array
   * parameters (`unnest`), not eight bindings per row: building and binding thousands of placeholders was
   * the costly part of large batches.
   */
  async insertMany(messages: readonly ChatMessage[]): Promise<Set<string>> {
    if (messages.length === 0) return new Set();
    const rows = await preparedQuery(this.knex, INSERT_MANY, [
      messages.map((m) => m.requestIdx),
      messages.map((m) => m.seq),
      messages.map((m) => m.messageId),
      messages.map((m) => m.senderId),
      messages.map((m) => m.senderRole),
      messages.map((m) => m.content),
      messages.map((m) => m.sentAt),
      messages.map((m) => m.clientMsgId),
    ]);
    return new Set(rows.map((r) => `${r['request_idx']}:${r['seq']}`));
  }

  /**
   * Stored rows that share a room+seq or a room+sender+clientMsgId with any of `messages`: two equality
   * joins, each served by its unique index (one OR-join would scan the rooms' rows).
   */
  async findClashing(messages: readonly ChatMessage[]): Promise<ChatMessage[]> {
    if (messages.length === 0) return [];
    const res = await this.knex.raw(
      `SELECT c.* FROM ${TABLE} c JOIN unnest(?::bigint[], ?::int[]) AS m(request_idx, seq) ON c.request_idx = m.request_idx AND c.seq = m.seq
       UNION
       SELECT c.* FROM ${TABLE} c JOIN unnest(?::bigint[], ?::text[], ?::text[]) AS m(request_idx, sender_id, client_msg_id)
         ON c.request_idx = m.request_idx AND c.sender_id = m.sender_id AND c.client_msg_id = m.client_msg_id`,
      [
        messages.map((m) => m.requestIdx),
        messages.map((m) => m.seq),
        messages.map((m) => m.requestIdx),
        messages.map((m) => m.senderId),
        messages.map((m) => m.clientMsgId),
      ],
    );
    return (res as { rows: Row[] }).rows.map(toMessage);
  }

  /** How many stored messages of a room have seq in (lo, hi]. */
  async countBetween(requestIdx: number, lo: number, hi: number): Promise<number> {
    const row = await this.knex(TABLE).where('request_idx', requestIdx).andWhere('seq', '>', lo).andWhere('seq', '<=', hi).count<{ n: string }[]>('* as n');
    return Number(row[0]?.n ?? 0);
  }

  /**
   * What a rebuilt hot log starts with: the (sender, clientMsgId) → seq of the newest `window` messages (the
   * dedupe window; `dedupeBase` is the seq below which ids are answered from PostgreSQL), and the room's
   * message count and content bytes (what the log cap counts). Two index reads, whatever the room's size.
   */
  async rebuildState(requestIdx: number, window: number): Promise<RebuildState> {
    const [totals, rows] = await Promise.all([
      this.knex(TABLE)
        .where('request_idx', requestIdx)
        .first(this.knex.raw('count(*) AS n'), this.knex.raw('coalesce(sum(octet_length(content)), 0) AS bytes')),
      this.knex(TABLE).where('request_idx', requestIdx).orderBy('seq', 'desc').limit(window).select('sender_id', 'client_msg_id', 'seq'),
    ]);
    const messages = Number((totals as { n: string }).n);
    const dedupe = (rows as { sender_id: string; client_msg_id: string; seq: number }[]).map((r) => ({
      senderId: r.sender_id,
      clientMsgId: r.client_msg_id,
      seq: r.seq,
    }));
    const dedupeBase = messages > dedupe.length && dedupe.length ? dedupe[dedupe.length - 1]!.seq - 1 : 0;
    return { dedupe, contentBytes: Number((totals as { bytes: string }).bytes), messages, dedupeBase };
  }

  /** The stored seq of each (sender, clientMsgId) of a room that has one, keyed `${senderId}\u0000${clientMsgId}` (in the turn's one query). */
  async originalSeqs(requestIdx: number, ids: readonly { senderId: string; clientMsgId: string }[]): Promise<Map<string, number>> {
    if (ids.length === 0) return new Map();
    // Added in one turn, so every id lands in the same batch and shares its answer.
    let found: Promise<Map<string, number>> | undefined;
    for (const i of ids) found = this.originalsOfTurn.add({ requestIdx, ...i });
    const stored = await found!;
    const out = new Map<string, number>();
    for (const i of ids) {
      const seq = stored.get(originalKey(requestIdx, i.senderId, i.clientMsgId));
      if (seq !== undefined) out.set(`${i.senderId}\u0000${i.clientMsgId}`, seq);
    }
    return out;
  }

  async exists(requestIdx: number, seq: number): Promise<boolean> {
    return (await this.knex(TABLE).where({ request_idx: requestIdx, seq }).first('seq')) !== undefined;
  }

  async listAfter(requestIdx: number, afterSeq: number, limit: number): Promise<ChatMessage[]> {
    const rows = await this.knex<Row>(TABLE).where('request_idx', requestIdx).andWhere('seq', '>', afterSeq).orderBy('seq').limit(limit);
    return rows.map(toMessage);
  }

  /** Last committed seq of many rooms in one query (rooms without messages are absent). */
  async lastSeqs(requestIdxs: readonly number[]): Promise<Map<number, number>> {
    if (requestIdxs.length === 0) return new Map();
    const rows = await this.knex(TABLE).whereIn('request_idx', requestIdxs).groupBy('request_idx').select('request_idx').max('seq as max');
    return new Map(rows.map((r) => [Number(r['request_idx']), Number(r['max'])]));
  }

  async lastSeq(requestIdx: number): Promise<number> {
    const row = await this.knex(TABLE).where('request_idx', requestIdx).max<{ max: number | null }[]>('seq as max');
    return Number(row[0]?.max ?? 0);
  }

  /** Retention: the room's messages go (in the purge's transaction). */
  purgeRoom(requestIdx: number, trx: Knex.Transaction): Promise<number> {
    return trx(TABLE).where('request_idx', requestIdx).del();
  }

  /** Erasure: the sender's words in the room are emptied and the rows moved to the pseudonym; returns how many. */
  eraseSender(requestIdx: number, senderId: string, pseudonymId: string, trx: Knex.Transaction): Promise<number> {
    return trx(TABLE).where({ request_idx: requestIdx, sender_id: senderId }).update({ content: '', sender_id: pseudonymId });
  }
}
