import { AppError, notFound, validationFailed } from '../../lib/errors/app-error';
import type { ChatService } from '../../lib/chat/chat-service';
import { roomInput, sendInput, syncInput } from '../../lib/chat/chat-inputs';
import { parseInput } from '../../lib/validation/parse-input';
import { parseJsonObject } from '../../lib/validation/json-object';
import type { Logger } from '../../lib/logging/logger';
import type { LimitedEntry, RateLimits } from '../../lib/limits/rate-limits';
import type { GatewayMetrics } from '../gateway-metrics';
import { stompErrorEvent } from '../protocol-errors';
import { APP_READ, APP_SEND, APP_SYNC, APP_TYPING } from './stomp-destinations';
import type { StompFrame } from './stomp-frame';
import type { StompSession } from './stomp-session';

/**
 * SEND frames to /app/chat.*: parse the JSON body, check the user's shared rate limit for the destination
 * (chat.send's is inside the append script), call the chat service, answer with a RECEIPT (for chat.send
 * once the message is durable) or an ERROR event on /user/queue/errors.
 */
export class ChatDestinations {
  constructor(
    private readonly chat: ChatService,
    private readonly limits: RateLimits,
    private readonly metrics: GatewayMetrics,
    private readonly log: Logger,
  ) {}

  async handle(session: StompSession, destination: string, frame: StompFrame): Promise<void> {
    const actor = session.principal!;
    let body: Record<string, unknown> = {};
    try {
      body = parseBody(frame);
      switch (destination) {
        case APP_SEND: {
          const input = parseInput(sendInput, body);
          const result = await this.chat.send(actor, input);
          if (!result.duplicate) this.metrics.sent();
          // The RECEIPT waits for durability (CHAT_RECEIPT_AFTER) without holding the session's next frames.
          result.receiptable.then(
            (seq) => session.receipt(frame, result.duplicate ? { seq: String(seq), duplicate: 'true' } : { seq: String(seq) }),
            (err: unknown) => session.deliverError(stompErrorEvent(err, this.log.child({ userId: actor.userId }), { requestIdx: input.requestIdx, clientMsgId: input.clientMsgId })),
          );
          return;
        }
        case APP_READ: {
          const { requestIdx } = parseInput(roomInput, body);
          await this.limited('chat.read', actor.userId);
          await this.chat.read(actor, requestIdx);
          return session.receipt(frame);
        }
        case APP_SYNC: {
          const { requestIdx, afterSeq } = parseInput(syncInput, body);
          await this.limited('chat.sync', actor.userId);
          let after = afterSeq;
          for (;;) {
            const batch = await this.chat.sync(actor, requestIdx, after);
            for (const raw of batch) {
              const payload = `{"type":"CHAT",${raw.slice(1)}`;
              session.deliver(payload, Buffer.byteLength(payload));
            }
            if (batch.length === 0 || !session.isOpen) break;
            after = (JSON.parse(batch[batch.length - 1]!) as { seq: number }).seq;
          }
          return session.receipt(frame);
        }
        case APP_TYPING: {
          const { requestIdx } = parseInput(roomInput, body);
          await this.limited('chat.typing', `${actor.userId}:${requestIdx}`);
          await this.chat.typing(actor, requestIdx);
          return session.receipt(frame);
        }
        default:
          throw notFound(`no destination ${destination.slice(0, 100)}`);
      }
    } catch (err) {
      if (err instanceof AppError && err.code === 'RATE_LIMITED' && destination === APP_SEND) this.metrics.rateLimited('send');
      const log = this.log.child({ userId: actor.userId, destination: destination.slice(0, 100) });
      session.deliverError(stompErrorEvent(err, log, { requestIdx: body['requestIdx'], clientMsgId: body['clientMsgId'] }));
    }
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
