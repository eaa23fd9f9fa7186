import type { IFrame } from '@stomp/stompjs';
import { backoffDelay, type BackoffOptions } from './backoff';
import type { Clock } from './clock';
import { OfficeHoursError } from './errors';
import type { Answer } from './receipt-book';

/** How the outbox reaches the server: false when there is no connection to publish on. */
export type SendWire = (requestIdx: number, content: string, clientMsgId: string, onAnswer: (answer: Answer) => void) => boolean;

interface Entry {
  readonly requestIdx: number;
  readonly content: string;
  readonly clientMsgId: string;
  /** Retryable refusals so far (each one waits longer). */
  retries: number;
  /** Not before this time (ms) after a retryable refusal. */
  notBefore: number;
  resolve(seq: number): void;
  reject(err: OfficeHoursError): void;
}

/**
 * Sends waiting for their RECEIPT, in the order they were made, one per room on the wire at a time: a
 * refusal (RATE_LIMITED) or a lost connection can never let a later message overtake an earlier one.
 * A send is retried with the same clientMsgId (the server stores it once) until its RECEIPT or a final
 * refusal. Bounded: past `limit` a send is refused at once (OUTBOX_FULL) instead of piling up.
 */
export class Outbox {
  private readonly entries = new Map<string, Entry>();
  /** Rooms whose oldest send is on the wire, and which one. */
  private readonly inFlight = new Map<number, string>();

  constructor(private readonly d: { limit: number; newId: () => string; wire: SendWire; clock: Clock; backoff: BackoffOptions }) {}

  get size(): number {
    return this.entries.size;
  }

  /** Resolves with the message's seq at its RECEIPT. */
  add(requestIdx: number, content: string): Promise<number> {
    if (this.entries.size >= this.d.limit) {
      return Promise.reject(new OfficeHoursError('OUTBOX_FULL', `${this.d.limit} sends are waiting for a RECEIPT`, { requestIdx }));
    }
    return new Promise<number>((resolve, reject) => {
      const entry: Entry = { requestIdx, content, clientMsgId: this.d.newId(), retries: 0, notBefore: 0, resolve, reject };
      this.entries.set(entry.clientMsgId, entry);
      this.transmit(requestIdx);
    });
  }

  /** A connection is up: every room's oldest send goes out. */
  transmitAll(): void {
    for (const room of new Set([...this.entries.values()].map((e) => e.requestIdx))) this.transmit(room);
  }

  /**
   * The server closed the session with a final ERROR while these sends were on the wire: resending them
   * as they are would fail the same way, so they fail with its code. Returns how many took the blame.
   */
  failInFlight(err: OfficeHoursError): number {
    const ids = [...this.inFlight.values()];
    this.inFlight.clear();
    for (const id of ids) this.fail(id, new OfficeHoursError(err.code, err.message, { requestIdx: this.entries.get(id)?.requestIdx, clientMsgId: id }));
    return ids.length;
  }

  failAll(err: OfficeHoursError): void {
    this.inFlight.clear();
    for (const id of [...this.entries.keys()]) this.fail(id, err);
  }

  private transmit(requestIdx: number): void {
    if (this.inFlight.has(requestIdx)) return;
    const e = [...this.entries.values()].find((x) => x.requestIdx === requestIdx);
    if (!e) return;
    const wait = e.notBefore - this.d.clock.now();
    if (wait > 0) {
      this.d.clock.setTimeout(() => this.transmit(requestIdx), wait);
      return;
    }
    this.inFlight.set(requestIdx, e.clientMsgId);
    if (!this.d.wire(requestIdx, e.content, e.clientMsgId, (answer) => this.answered(e, answer))) this.inFlight.delete(requestIdx);
  }

  private answered(e: Entry, answer: Answer): void {
    if (this.inFlight.get(e.requestIdx) === e.clientMsgId) this.inFlight.delete(e.requestIdx);
    if (!(answer instanceof OfficeHoursError)) this.settle(e.clientMsgId, Number((answer as IFrame).headers['seq']));
    else if (!answer.retryable) this.fail(e.clientMsgId, answer);
    else if (answer.code === 'CONNECTION_LOST')
      return; // sent again at the next CONNECTED, same clientMsgId
    else e.notBefore = this.d.clock.now() + Math.max(100, backoffDelay(++e.retries, this.d.backoff));
    this.transmit(e.requestIdx);
  }

  private settle(clientMsgId: string, seq: number): void {
    const e = this.entries.get(clientMsgId);
    if (!e) return;
    this.entries.delete(clientMsgId);
    e.resolve(seq);
  }

  private fail(clientMsgId: string, err: OfficeHoursError): void {
    const e = this.entries.get(clientMsgId);
    if (!e) return;
    this.entries.delete(clientMsgId);
    e.reject(err);
  }
}
