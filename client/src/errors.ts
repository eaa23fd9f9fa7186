/** The contract's error codes (CONTRACT §4), and the library's own. */
export type ServerErrorCode =
  | 'VALIDATION_FAILED'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_PARTICIPANT'
  | 'NOT_FOUND'
  | 'INVALID_STATE_TRANSITION'
  | 'PAYLOAD_TOO_LARGE'
  | 'RATE_LIMITED'
  | 'INTERNAL';

/** `OUTBOX_FULL`: too many sends wait for a RECEIPT; `CLOSED`: the client was closed before the send was acknowledged. */
export type ErrorCode = ServerErrorCode | 'OUTBOX_FULL' | 'CLOSED';

/** Codes worth retrying (later, with the same clientMsgId); every other refusal is final. */
const RETRYABLE: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['RATE_LIMITED', 'INTERNAL']);

/** An error with the contract's code; `retryable` tells a refusal for good from one that may pass later. */
export class OfficeHoursError extends Error {
  override readonly name = 'OfficeHoursError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly requestIdx?: number,
    readonly clientMsgId?: string,
  ) {
    super(message);
  }

  get retryable(): boolean {
    return RETRYABLE.has(this.code);
  }
}
