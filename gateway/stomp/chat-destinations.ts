import type { z } from 'zod';
import { AppError, notFound, validationFailed } from '../../lib/errors/app-error';
import type { ChatService } from '../../lib/chat/chat-service';
import { quickSendInput, roomInput, sendInput, syncInput } from '../../lib/chat/chat-inputs';
import { parseInput } from '../../lib/validation/parse-input';
import { parseJsonObject } from '../../lib/validation/json-object';
import type { Logger } from '../../lib/logging/logger';
import type { LimitedEntry, RateLimits } from '../../lib/limits/rate-limits';
import type { GatewayMetrics } from '../gateway-metrics';
import { stompErrorEvent } from '../protocol-errors';
import { APP_AUTH_REFRESH, APP_READ, APP_SEND, APP_SYNC, APP_TYPING } from '../../protocol/destinations';
import { seqOfEncoded, typedRecord } from '../../protocol/chat-message';
import { bearerToken } from '../../lib/identity/bearer-token';
import type { JwtVerifier } from '../../lib/identity/jwt-verifier';
import type { UserDirectory } from '../../lib/users/user-directory';
import { z as zod } from 'zod';
import type { StompFrame } from './stomp-frame';
import type { StompSession } from './stomp-session';

/** One SEND destination: its input schema, the budget it spends (key from the caller and input), and its work. */
interface Destination<S extends z.ZodType> {
  readonly input: S;
  /** A hand-written check of the usual body (undefined: the schema decides and words the error). */
  readonly quick?: (body: Record<string, unknown>) => z.output<S> | undefined;
  readonly limit?: (userId: string, input: z.output<S>) => [LimitedEntry, string];
  /** Carries nothing in its body (auth.refresh: the token is a header). */
  readonly noBody?: boolean;
  run(session: StompSession, frame: StompFrame, input: z.output<S>): Promise<void>;
}
const destination = <S extends z.ZodType>(d: Destination<S>): Destination<z.ZodType> => d as unknown as Destination<z.ZodType>;

/**
 * SEND frames to /app/chat.*, from one table (destination → input schema → budget → handler): parse the
 * JSON body and the input, spend the user's shared budget (chat.send's is inside the append script), call
 * the chat service, answer with a RECEIPT (for chat.send once the message is durable) or an ERROR event
 * on /user/queue/errors through the one error table.
 */
export class ChatDestinations {
  private readonly table: ReadonlyMap<string, Destination<z.ZodType>>;

  constructor(
    private readonly chat: ChatService,
    private readonly limits: RateLimits,
    private readonly metrics: GatewayMetrics,
    private readonly log: Logger,
    private readonly identity: { verifier: JwtVerifier; users: UserDirectory },
  ) {
    this.table = new Map([
      [APP_AUTH_REFRESH, destination({ input: zod.object({}), noBody: true, limit: (u) => ['auth.refresh', u], run: (s, f) => this.refresh(s, f) })],
      [APP_SEND, destination({ input: sendInput, quick: quickSendInput, run: (s, f, i) => this.send(s, f, i) })],
      [APP_READ, destination({ input: roomInput, limit: (u) => ['chat.read', u], run: (s, f, i) => this.read(s, f, i.requestIdx) })],
      [APP_SYNC, destination({ input: syncInput, limit: (u) => ['chat.sync', u], run: (s, f, i) => this.sync(s, f, i) })],
      [
        APP_TYPING,
        destination({ input: roomInput, limit: (u, i) => ['chat.typing', `${u}:${i.requestIdx}`], run: (s, f, i) => this.typing(s, f, i.requestIdx) }),
      ],
    ]);
  }

  async handle(session: StompSession, destinationName: string, frame: StompFrame): Promise<void> {
    const actor = session.principal!;
    let body: Record<string, unknown> = {};
    try {
      const d = this.table.get(destinationName);
      if (!d) throw notFound(`no destination ${destinationName.slice(0, 100)}`);
      body = d.noBody ? {} : parseBody(frame);
      const input = d.quick?.(body) ?? parseInput(d.input, body);
      if (d.limit) await this.limited(...d.limit(actor.userId, input));
      await d.run(session, frame, input);
    } catch (err) {
      const log = this.log.child({ userId: actor.userId, destination: destinationName.slice(0, 100) });
      session.deliverError(stompErrorEvent(err, log, { requestIdx: body['requestIdx'], clientMsgId: body['clientMsgId'] }));
    }
  }

  /**
   * Resolves once the append is on its way to Redis, so the session handles its next frame meanwhile
   * (pipelined sends, still appended in frame order); the RECEIPT, or the error event, follows on its own,
   * the RECEIPT only once the message is durable (CHAT_RECEIPT_AFTER).
   */
  private send(session: StompSession, frame: StompFrame, input: z.output<typeof sendInput>): Promise<void> {
    const actor = session.principal!;
    const refuse = (err: unknown) => {
      if (err instanceof AppError && err.code === 'RATE_LIMITED') this.metrics.rateLimited('send');
      session.deliverError(
        stompErrorEvent(err, this.log.child({ userId: actor.userId, destination: APP_SEND }), { requestIdx: input.requestIdx, clientMsgId: input.clientMsgId }),
      );
    };
    return new Promise<void>((issued) => {
      this.chat
        .send(actor, input, issued)
        .then((result) => {
          if (!result.duplicate) this.metrics.sent();
          return result.receiptable.then((seq) => session.receipt(frame, result.duplicate ? { seq: String(seq), duplicate: 'true' } : { seq: String(seq) }));
        })
        .catch(refuse)
        .finally(issued);
    });
  }

  /**
   * A new token for the live session: verified under the connect rules, for the same `sub` only; the
   * deadline moves to its `exp` and its roles apply at once. A refusal leaves the old deadline.
   */
  private async refresh(session: StompSession, frame: StompFrame): Promise<void> {
    const token = bearerToken(frame.headers.get('Authorization') ?? frame.headers.get('authorization'));
    if (!token) throw new AppError('UNAUTHENTICATED', 'auth.refresh needs an Authorization: Bearer <token> header');
    const principal = await this.identity.verifier.verify(token);
    session.refresh(principal);
    await this.identity.users.upsertFromPrincipal(principal);
    session.receipt(frame, { 'session-expires': String(session.expiresAt) });
  }

  private async read(session: StompSession, frame: StompFrame, requestIdx: number): Promise<void> {
    await this.chat.read(session.principal!, requestIdx);
    session.receipt(frame);
  }

  private async sync(session: StompSession, frame: StompFrame, input: z.output<typeof syncInput>): Promise<void> {
    let after = input.afterSeq;
    for (;;) {
      const batch = await this.chat.sync(session.principal!, input.requestIdx, after);
      for (const raw of batch) {
        const payload = typedRecord('CHAT', raw);
        session.deliver(payload, Buffer.byteLength(payload));
      }
      if (batch.length === 0 || session.closed) break;
      after = seqOfEncoded(batch[batch.length - 1]!);
    }
    session.receipt(frame);
  }

  private async typing(session: StompSession, frame: StompFrame, requestIdx: number): Promise<void> {
    await this.chat.typing(session.principal!, requestIdx);
    session.receipt(frame);
  }

  private async limited(entry: LimitedEntry, key: string): Promise<void> {
    try {
      await this.limits.consume(entry, key);
    } catch (err) {
      this.metrics.rateLimited(entry);
      throw err;
    }
  }
}

function parseBody(frame: StompFrame): Record<string, unknown> {
  if (frame.body.length === 0) throw validationFailed('body must be a JSON object');
  return parseJsonObject(frame.body.toString('utf8'));
}
