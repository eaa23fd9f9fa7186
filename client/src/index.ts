/**
 * The Office Hours client: one STOMP connection that keeps the contract's promises for an app, and the REST
 * routes (see client/README.md).
 */
export { connect, OfficeHoursClient } from './office-hours-client';
export type { ConnectOptions } from './connect-options';
export {
  OfficeHoursError,
  SERVER_ERROR_CODES,
  type ClientErrorCode,
  type ConnectFailure,
  type ErrorCode,
  type ErrorDetails,
  type ServerErrorCode,
} from './errors';
export type { ConnectionState, EventMap, Listener } from './events';
export type { ChatEvent, ConsultationStatus, EndReason, ReadEvent, RoomEvent, StatusEvent, TypingEvent, WarningEvent } from '../../protocol/room-events';
export type { ChatMessage, SenderRole } from '../../protocol/chat-message';
export type { Consultation, Page, Professor } from '../../protocol/consultation';
export type { PageQuery } from './rest-api';
export { RestApi, type RestOptions } from './rest-api';
export { DEFAULT_SEND_LIMITS, type SendLimits } from './send-limits';
export { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff';
export { systemClock, type Clock } from './clock';
export type { WebSocketFactory } from './websocket-factory';
