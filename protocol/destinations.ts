/** STOMP destinations (CONTRACT §5). Subscriptions: `/user/` resolves to the connected user. */
export const CHAT_QUEUE = '/user/queue/chat';
export const ERROR_QUEUE = '/user/queue/errors';

/** Application destinations a client SENDs to. */
export const APP_SEND = '/app/chat.send';
export const APP_READ = '/app/chat.read';
export const APP_SYNC = '/app/chat.sync';
export const APP_TYPING = '/app/chat.typing';
/** Token refresh on a live session: the new token rides in the frame's Authorization header. */
export const APP_AUTH_REFRESH = '/app/auth.refresh';
