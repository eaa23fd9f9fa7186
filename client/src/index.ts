/**
 * The Office Hours client: one STOMP connection that keeps the contract's promises for an app (see
 * client/README.md).
 */
export { connect, OfficeHoursClient, type ConnectOptions, type Listener } from './office-hours-client';
export { OfficeHoursError, type ErrorCode, type ServerErrorCode } from './errors';
export type { ChatEvent, ChatMessage, ConnectionState, EventMap, ReadEvent, RoomEvent, StatusEvent, TypingEvent, WarningEvent } from './events';
export { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff';
export { systemClock, type Clock } from './clock';
