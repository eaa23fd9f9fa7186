import { OfficeHoursError } from './errors';

export interface PendingSend {
  readonly requestIdx: number;
  readonly content: string;
  readonly clientMsgId: string;
  /** Refusals with RATE_LIMITED so far (each one waits longer). */
  rateLimited: number;
  /** Not before this time (ms) after a RATE_LIMITED. */
  notBefore: number;
}

interface Entry extends PendingSend {
  resolve(seq: number): void;
  reject(err: OfficeHoursError): void;
}

/**
 * Sends waiting for their RECEIPT, in the order they were made. Bounded: past `limit` a send is refused at
 * once (`OUTBOX_FULL`) instead of piling up while the connection is down.
 */
export class Outbox {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly limit: number,
    private readonly newId: () => string,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  add(requestIdx: number, content: string): { entry: PendingSend; done: Promise<number> } {
    if (this.entries.size >= this.limit) {
      return {
        entry: undefined as never,
        done: Promise.reject(new OfficeHoursError('OUTBOX_FULL', `${this.limit} sends are waiting for a RECEIPT`, requestIdx)),
      };
    }
    let resolve!: (seq: number) => void;
    let reject!: (err: OfficeHoursError) => void;
    const done = new Promise<number>((ok, fail) => {
      resolve = ok;
      reject = fail;
    });
    const entry: Entry = { requestIdx, content, clientMsgId: this.newId(), rateLimited: 0, notBefore: 0, resolve, reject };
    this.entries.set(entry.clientMsgId, entry);
    return { entry, done };
  }

  get(clientMsgId: string): PendingSend | undefined {
    return this.entries.get(clientMsgId);
  }

  all(): PendingSend[] {
    return [...this.entries.values()];
  }

  /** The oldest send of a room: the only one of the room on the wire, so the room's order is the order of send(). */
  head(requestIdx: number): PendingSend | undefined {
    for (const e of this.entries.values()) if (e.requestIdx === requestIdx) return e;
    return undefined;
  }

  rooms(): number[] {
    return [...new Set([...this.entries.values()].map((e) => e.requestIdx))];
  }

  settle(clientMsgId: string, seq: number): void {
    const e = this.entries.get(clientMsgId);
    if (!e) return;
    this.entries.delete(clientMsgId);
    e.resolve(seq);
  }

  fail(clientMsgId: string, err: OfficeHoursError): void {
    const e = this.entries.get(clientMsgId);
    if (!e) return;
    this.entries.delete(clientMsgId);
    e.reject(err);
  }

  failAll(err: OfficeHoursError): void {
    for (const id of [...this.entries.keys()]) this.fail(id, err);
  }
}
