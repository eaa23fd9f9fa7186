import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';

/**
 * Baseline (b): what a Node team would otherwise build. socket.io with the Redis adapter (so it scales
 * across processes), appending every message to a Redis list before broadcasting it to the room.
 */
const port = Number(process.argv[2] ?? 0);
const prefix = process.argv[3] ?? 'bench-sio';
const redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const pub = new Redis(redisUrl);
const sub = pub.duplicate();
const store = pub.duplicate();
const http = createServer();
const io = new Server(http, { transports: ['websocket'], adapter: createAdapter(pub, sub, { key: `${prefix}:sio` }) });

io.on('connection', (socket) => {
  const room = String(socket.handshake.query['room'] ?? '0');
  void socket.join(room);
  socket.emit('joined');
  socket.on('msg', (content: string) => {
    void store.rpush(`${prefix}:room:${room}`, content).then(() => io.to(room).emit('msg', content));
  });
});
http.listen(port, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: (http.address() as AddressInfo).port })}\n`));
