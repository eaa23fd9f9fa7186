/** The contract's error codes (CONTRACT §4) and their HTTP statuses: the one table REST, STOMP and the client use. */
export const ERROR_HTTP_STATUS = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_PARTICIPANT: 403,
  NOT_FOUND: 404,
  INVALID_STATE_TRANSITION: 409,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  INTERNAL: 500,
} as const;

export type ServerErrorCode = keyof typeof ERROR_HTTP_STATUS;

export const SERVER_ERROR_CODES = Object.keys(ERROR_HTTP_STATUS) as readonly ServerErrorCode[];

/** Refusals that may pass if the same request (a send with the same clientMsgId) is made again later. */
export const RETRYABLE_SERVER_CODES: ReadonlySet<ServerErrorCode> = new Set<ServerErrorCode>(['RATE_LIMITED', 'INTERNAL']);

export const isServerErrorCode = (code: unknown): code is ServerErrorCode =>
  typeof code === 'string' && Object.prototype.hasOwnProperty.call(ERROR_HTTP_STATUS, code);
