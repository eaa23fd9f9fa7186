/**
 * Messages a room's hot log keeps once committed: enough for every reconnect's sync and a busy room's
 * recent history to be served from Redis; older ones are read from PostgreSQL. Bounds Redis memory and
 * the length of any list read per room. The dedupe window is at least this (and at most twice it, as
 * persist-ack.lua trims it in steps); a rebuild loads this many ids.
 */
export const HOT_TAIL_MESSAGES = 1000;
