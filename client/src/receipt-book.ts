import type { IFrame } from '@stomp/stompjs';
import { OfficeHoursError } from './errors';

/** What a frame sent with a `receipt` header gets back: the RECEIPT, or the refusal (an error event, or the connection's end). */
export type Answer = IFrame | OfficeHoursError;

interface Awaiting {
  /** The room a per-room frame (chat.read, chat.sync, chat.typing, chat.send) is about. */
  readonly requestIdx: number | undefined;
  /** chat.send only: its error events name it. */
  readonly clientMsgId: string | undefined;
  readonly onAnswer: (answer: Answer) => void;
}

/**
 * Every frame on the wire that waits for an answer, by receipt id, in the order sent: one table for sends,
 * syncs, reads, typing and token refreshes. An error event names a send by its clientMsgId; any other one
 * answers the oldest frame still waiting in its room (the server answers a session's other frames in
 * order), or the oldest roomless one (a refresh).
 */
export class ReceiptBook {
  private counter = 0;
  private readonly awaiting = new Map<string, Awaiting>();

  /** Registers a frame about to be sent; returns the receipt id to put on it. */
  expect(entry: Awaiting): string {
    const id = `r-${++this.counter}`;
    this.awaiting.set(id, entry);
    return id;
  }

  /** A RECEIPT frame; false when nothing waited for it. */
  receipt(frame: IFrame): boolean {
    return this.answer(frame.headers['receipt-id'] ?? '', frame);
  }

  /** An error event from `/user/queue/errors`; false when no frame on the wire matches it (the app hears of it instead). */
  refusal(err: OfficeHoursError): boolean {
    for (const [id, e] of this.awaiting) {
      const matches = err.clientMsgId !== undefined ? e.clientMsgId === err.clientMsgId : e.clientMsgId === undefined && e.requestIdx === err.requestIdx;
      if (matches) return this.answer(id, err);
    }
    return false;
  }

  answer(id: string, answer: Answer): boolean {
    const e = this.awaiting.get(id);
    if (!e) return false;
    this.awaiting.delete(id);
    e.onAnswer(answer);
    return true;
  }

  /** The connection is gone: no frame on it will be answered now. */
  dropAll(err: OfficeHoursError): void {
    for (const id of [...this.awaiting.keys()]) this.answer(id, err);
  }
}
