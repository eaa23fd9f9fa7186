import type { ChatEvent, ReadEvent, StatusEvent, TypingEvent, WarningEvent } from '../../protocol/room-events';
import type { OfficeHoursError } from './errors';

/**
 * `unauthenticated`: the server refused the token twice in a row (a fresh one from `getToken()` included);
 * the client stopped and makes no further attempt. `closed`: `close()` was called, or a refusal no retry
 * can fix stopped the client.
 */
export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'unauthenticated' | 'closed';

/** What `client.on(type, …)` delivers, by type. */
export interface EventMap {
  CHAT: ChatEvent;
  READ: ReadEvent;
  STATUS: StatusEvent;
  WARNING: WarningEvent;
  TYPING: TypingEvent;
  /** A refusal not tied to one call (those reject their promise), or the reason the client stopped. */
  error: OfficeHoursError;
  /** A connection attempt failed; `reason` says how (`unreachable`, `refused`, `closed`). */
  connectError: OfficeHoursError;
  state: ConnectionState;
}

export type Listener<K extends keyof EventMap> = (value: EventMap[K]) => void;
