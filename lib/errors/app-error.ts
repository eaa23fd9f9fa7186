import { ERROR_HTTP_STATUS, type ServerErrorCode } from '../../protocol/error-codes';

export type ErrorCode = ServerErrorCode;

export class AppError extends Error {
  override readonly name = 'AppError';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }

  get httpStatus(): number {
    return ERROR_HTTP_STATUS[this.code];
  }
}

export const validationFailed = (message: string) => new AppError('VALIDATION_FAILED', message);
export const unauthenticated = (message = 'authentication required') => new AppError('UNAUTHENTICATED', message);
export const forbidden = (message = 'your role may not do this') => new AppError('FORBIDDEN', message);
export const notParticipant = (message = 'you are not a participant of this consultation') => new AppError('NOT_PARTICIPANT', message);
export const notFound = (message = 'not found') => new AppError('NOT_FOUND', message);
export const invalidTransition = (message: string) => new AppError('INVALID_STATE_TRANSITION', message);

/** Any thrown value as an AppError; unknown errors become INTERNAL without leaking their text. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  return new AppError('INTERNAL', 'internal error');
}
