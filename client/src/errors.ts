import { isServerErrorCode, RETRYABLE_SERVER_CODES, SERVER_ERROR_CODES, type ServerErrorCode } from '../../protocol/error-codes';

export { isServerErrorCode, SERVER_ERROR_CODES, type ServerErrorCode };

/**
 * The library's own codes. `OUTBOX_FULL`: too many sends wait for a RECEIPT; `CLOSED`: the client was closed
 * (or stopped) before the call was answered; `CONNECTION_FAILED`: a connection attempt failed (wrong URL,
 * refused, closed before CONNECTED); `CONNECTION_LOST`: the connection dropped before the answer came.
 */
export type ClientErrorCode = 'OUTBOX_FULL' | 'CLOSED' | 'CONNECTION_FAILED' | 'CONNECTION_LOST';

export type ErrorCode = ServerErrorCode | ClientErrorCode;

/** Why a connection attempt failed: no socket (wrong URL, refused, unreachable), an ERROR frame, or a close before CONNECTED. */
export type ConnectFailure = 'unreachable' | 'refused' | 'closed';

/** Codes worth retrying later (a send keeps its clientMsgId); every other refusal is final. */
const RETRYABLE: ReadonlySet<ErrorCode> = new Set<ErrorCode>([...RETRYABLE_SERVER_CODES, 'CONNECTION_FAILED', 'CONNECTION_LOST']);

export interface ErrorDetails {
  readonly requestIdx?: number | undefined;
  readonly clientMsgId?: string | undefined;
  /** The HTTP status of a REST refusal. */
  readonly status?: number | undefined;
  /** Set on `connectError` events. */
  readonly reason?: ConnectFailure | undefined;
}

/** An error with the contract's code; `retryable` tells a refusal for good from one that may pass later. */
export class OfficeHoursError extends Error {
  override readonly name = 'OfficeHoursError';
  readonly requestIdx: number | undefined;
  readonly clientMsgId: string | undefined;
  readonly status: number | undefined;
  readonly reason: ConnectFailure | undefined;

  constructor(
    readonly code: ErrorCode,
    message: string,
    details: ErrorDetails = {},
  ) {
    super(message);
    this.requestIdx = details.requestIdx;
    this.clientMsgId = details.clientMsgId;
    this.status = details.status;
    this.reason = details.reason;
  }

  get retryable(): boolean {
    return RETRYABLE.has(this.code);
  }
}
