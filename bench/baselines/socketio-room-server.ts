import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';

/**
 * What the socket.io baselines share: socket.io with the Redis adapter (so it scales across processes),
 * each socket in the room of its `room` query, `joined` once it is. `store` decides what happens to a
 * message before it is broadcast to the room (the baselines differ only there; it may open a Redis connection). Prints its port.
 */
export function serveSocketIoRooms(port: number, prefix: string, store: (connect: () => Redis) => (room: string, content: string) => Promise<unknown>): Server {
  const pub = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');
  const sub = pub.duplicate();
  const persist = store(() => pub.duplicate());
  const http = createServer();
  const io = new Server(http, { transports: ['websocket'], adapter: createAdapter(pub, sub, { key: `${prefix}:sio` }) });
  io.on('connection', (socket) => {
    const room = String(socket.handshake.query['room'] ?? '0');
    void socket.join(room);
    socket.emit('joined');
    socket.on('msg', (content: string) => {
      persist(room, content).then(
        () => void io.to(room).emit('msg', content),
        (err: Error) => process.stderr.write(`${err.message}\n`),
      );
    });
  });
  http.listen(port, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: (http.address() as AddressInfo).port })}\n`));
  return io;
}
