import pg from 'pg';
import { serveSocketIoRooms } from './socketio-room-server';

/**
 * Baseline (c): the naive durable design. socket.io with the Redis adapter, one PostgreSQL INSERT per
 * message (committed) before it is broadcast to the room.
 */
const prefix = process.argv[3] ?? 'bench-sio';
const table = `bench_sio_message_${prefix.replace(/[^a-z0-9]/gi, '_')}`.toLowerCase();
const pool = new pg.Pool({ connectionString: process.env['DATABASE_URL'], max: 10 });

async function main(): Promise<void> {
  await pool.query(
    `CREATE TABLE IF NOT EXISTS ${table} (id bigserial PRIMARY KEY, room text NOT NULL, content text NOT NULL, at timestamptz NOT NULL DEFAULT now())`,
  );
  process.on('SIGTERM', () => void pool.query(`DROP TABLE IF EXISTS ${table}`).finally(() => process.exit(0)));
  serveSocketIoRooms(
    Number(process.argv[2] ?? 0),
    prefix,
    () => (room, content) => pool.query(`INSERT INTO ${table} (room, content) VALUES ($1, $2)`, [room, content]),
  );
}
void main();
