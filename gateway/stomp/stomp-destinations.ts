/** Destinations a client may SUBSCRIBE to (CONTRACT §5); `/user/` resolves to the connected user. */
export const CHAT_QUEUE = '/user/queue/chat';
export const ERROR_QUEUE = '/user/queue/errors';
export const SUBSCRIBABLE: ReadonlySet<string> = new Set([CHAT_QUEUE, ERROR_QUEUE]);

/** Application destinations a client may SEND to. */
export const APP_SEND = '/app/chat.send';
export const APP_READ = '/app/chat.read';
export const APP_SYNC = '/app/chat.sync';
export const APP_TYPING = '/app/chat.typing';
/** Token refresh on a live session (CONTRACT §5): the new token rides in the frame's Authorization header. */
export const APP_AUTH_REFRESH = '/app/auth.refresh';
