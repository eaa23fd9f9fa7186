import type { ConsultationRoomEvent } from '../consultation/consultation-events';
import type { ChatMessage } from './chat-message';

/** Bodies of STOMP MESSAGE frames on /user/queue/chat (CONTRACT §5), published as JSON on user channels. */
export type RoomEvent = ({ type: 'CHAT' } & ChatMessage) | { type: 'TYPING'; requestIdx: number; userId: string } | ConsultationRoomEvent;
