import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import pg from 'pg';
import { Server } from 'socket.io';

/**
 * Baseline (c): the naive durable design. socket.io with the Redis adapter, one PostgreSQL INSERT per
 * message (committed) before it is broadcast to the room.
 */
const port = Number(process.argv[2] ?? 0);
const prefix = process.argv[3] ?? 'bench-sio';
const redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const table = `bench_sio_message_${prefix.replace(/[^a-z0-9]/gi, '_')}`.toLowerCase();
const pool = new pg.Pool({ connectionString: process.env['DATABASE_URL'], max: 10 });
const pub = new Redis(redisUrl);
const sub = pub.duplicate();
const http = createServer();
const io = new Server(http, { transports: ['websocket'], adapter: createAdapter(pub, sub, { key: `${prefix}:sio` }) });

io.on('connection', (socket) => {
  const room = String(socket.handshake.query['room'] ?? '0');
  void socket.join(room);
  socket.emit('joined');
  socket.on('msg', (content: string) => {
    pool.query(`INSERT INTO ${table} (room, content) VALUES ($1, $2)`, [room, content]).then(
      () => void io.to(room).emit('msg', content),
      (err: Error) => process.stderr.write(`${err.message}\n`),
    );
  });
});

async function main(): Promise<void> {
  await pool.query(
    `CREATE TABLE IF NOT EXISTS ${table} (id bigserial PRIMARY KEY, room text NOT NULL, content text NOT NULL, at timestamptz NOT NULL DEFAULT now())`,
  );
  process.on('SIGTERM', () => void pool.query(`DROP TABLE IF EXISTS ${table}`).finally(() => process.exit(0)));
  http.listen(port, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: (http.address() as AddressInfo).port })}\n`));
}
void main();
