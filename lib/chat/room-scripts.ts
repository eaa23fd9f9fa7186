import { readLua, readLuaWithPrelude } from '../redis/lua-scripts';

const state = (name: string) => readLuaWithPrelude(__dirname, 'hot-log-state', name);

/**
 * The sources of the room scripts in `lib/chat/lua/`, each with the preludes it needs: the hot log, the send
 * path and persistence run them on the same keys and share `hot-log-state.lua` (verify a room) and
 * `trimmed-id-filter.lua`, so they live in one folder and are read here once.
 */
export const ROOM_SCRIPTS = {
  read: state('chat-read'),
  inspect: state('chat-inspect'),
  rebuild: state('chat-rebuild'),
  lease: readLua(__dirname, 'chat-lease'),
  append: readLuaWithPrelude(__dirname, 'hot-log-state', 'trimmed-id-filter', 'chat-append'),
  persistIndex: readLua(__dirname, 'persist-index'),
  persistRead: state('persist-read'),
  persistAck: readLuaWithPrelude(__dirname, 'trimmed-id-filter', 'persist-ack'),
  persistAdvance: readLua(__dirname, 'persist-advance'),
  persistUnindex: readLua(__dirname, 'persist-unindex'),
} as const;
