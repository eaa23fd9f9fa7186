import type { IFrame } from '@stomp/stompjs';
import { APP_SEND } from '../../protocol/destinations';
import type { Connection } from './connection';
import { OfficeHoursError } from './errors';
import type { Answer, ReceiptBook } from './receipt-book';

/**
 * Frames that wait for an answer, put on the current connection with a receipt id from the `ReceiptBook`:
 * a call resolves with its RECEIPT and rejects with its error event, or with CONNECTION_LOST / CLOSED.
 */
export class StompCalls {
  constructor(
    private readonly connection: Connection,
    private readonly receipts: ReceiptBook,
  ) {}

  call(destination: string, body: object | undefined, requestIdx: number | undefined, headers: Record<string, string> = {}): Promise<IFrame> {
    return new Promise<IFrame>((resolve, reject) => {
      const stomp = this.connection.stomp;
      if (!stomp) {
        const code = this.connection.stopped ? 'CLOSED' : 'CONNECTION_LOST';
        return reject(new OfficeHoursError(code, `not connected (${this.connection.state})`, { requestIdx }));
      }
      const receipt = this.receipts.expect({ requestIdx, clientMsgId: undefined, onAnswer: (a) => (a instanceof OfficeHoursError ? reject(a) : resolve(a)) });
      const json = body
        ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers, receipt } }
        : { headers: { ...headers, receipt } };
      stomp.publish({ destination, ...json });
    });
  }

  /** A chat.send for the outbox: false when there is no connection to publish on (it is sent at the next CONNECTED). */
  send(requestIdx: number, content: string, clientMsgId: string, onAnswer: (answer: Answer) => void): boolean {
    const stomp = this.connection.stomp;
    if (!stomp) return false;
    const receipt = this.receipts.expect({ requestIdx, clientMsgId, onAnswer });
    stomp.publish({
      destination: APP_SEND,
      body: JSON.stringify({ requestIdx, content, clientMsgId }),
      headers: { 'content-type': 'application/json', receipt },
    });
    return true;
  }
}
