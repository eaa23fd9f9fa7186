import { serveSocketIoRooms } from './socketio-room-server';

/**
 * Baseline (b): what a Node team would otherwise build. socket.io with the Redis adapter (so it scales
 * across processes), appending every message to a Redis list before broadcasting it to the room.
 */
const prefix = process.argv[3] ?? 'bench-sio';
serveSocketIoRooms(Number(process.argv[2] ?? 0), prefix, (connect) => {
  const redis = connect();
  return (room, content) => redis.rpush(`${prefix}:room:${room}`, content);
});
