/**
 * The Office Hours client: one STOMP connection that keeps the contract's promises for an app, and the REST
 * routes (see client/README.md).
 */
export { connect, OfficeHoursClient, type ConnectOptions } from './office-hours-client';
export {
  OfficeHoursError,
  SERVER_ERROR_CODES,
  type ClientErrorCode,
  type ConnectFailure,
  type ErrorCode,
  type ErrorDetails,
  type ServerErrorCode,
} from './errors';
export type { ChatEvent, ConnectionState, EventMap, Listener, ReadEvent, RoomEvent, StatusEvent, TypingEvent, WarningEvent } from './events';
export type { ChatMessage, Consultation, ConsultationStatus, EndReason, Page, PageQuery, Professor, SenderRole } from './contract-types';
export { RestApi, type RestOptions } from './rest-api';
export { DEFAULT_SEND_LIMITS, type SendLimits } from './send-limits';
export { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff';
export { systemClock, type Clock } from './clock';
export type { WebSocketFactory } from './websocket-factory';
