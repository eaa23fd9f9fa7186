import WebSocket from 'ws';
import { connect, type OfficeHoursClient } from '../../client/src';
import { startBenchSystem } from '../support/bench-system';
import { startServer, type BenchServer } from '../support/servers';

export interface ClientReconnectResult {
  clients: number;
  connectMs: number;
  /** From the SIGKILL of gateway A until every client is connected to gateway B again. */
  reconnectedMs: number;
  /** From the SIGKILL until every client has the message its room got while it was away. */
  syncedMs: number;
  duplicates: number;
  losses: number;
}

/**
 * Issue 23's figure: N library clients (rooms of two) on gateway A; A is SIGKILLed; while they reconnect to
 * gateway B (backoff with jitter), every room gets one message from a writer on B. Each client must get it
 * exactly once, through live delivery or its sync.
 */
export async function clientReconnectSuite(quick: boolean): Promise<ClientReconnectResult> {
  const roomsCount = quick ? 50 : 500;
  const sys = await startBenchSystem({ CHAT_MAX_SESSIONS_PER_USER: '100' });
  const servers: BenchServer[] = [];
  const clients: OfficeHoursClient[] = [];
  try {
    const rooms = await sys.seedRooms(roomsCount);
    const a = await startServer('gateway/main.ts', sys.env);
    const b = await startServer('gateway/main.ts', sys.env);
    servers.push(a, b);
    let aAlive = true;
    const url = () => `ws://127.0.0.1:${aAlive ? a.port : b.port}/ws/chat`;
    const seen: Map<number, number>[] = [];
    const t0 = Date.now();
    for (const room of rooms)
      for (const token of room.tokens) {
        const counts = new Map<number, number>();
        seen.push(counts);
        const c = connect({ url, getToken: () => token, rooms: [room.requestIdx], webSocketFactory: (u) => new WebSocket(u, ['v12.stomp']), heartbeatMs: 0 });
        c.on('CHAT', (m) => counts.set(m.seq, (counts.get(m.seq) ?? 0) + 1));
        clients.push(c);
      }
    await Promise.all(clients.map((c) => c.ready));
    const connectMs = Date.now() - t0;
    // Every client finished its first sync (rooms are loaded into Redis) before the failure.
    await new Promise((r) => setTimeout(r, 1000));
    const killedAt = Date.now();
    aAlive = false;
    await a.proc.kill('SIGKILL');
    const writers = rooms.map((r) =>
      connect({ url: () => `ws://127.0.0.1:${b.port}/ws/chat`, getToken: () => r.tokens[0], webSocketFactory: (u) => new WebSocket(u, ['v12.stomp']) }),
    );
    const sent = await Promise.all(writers.map((w, i) => w.send(rooms[i]!.requestIdx, 'while you were away')));
    const done = (pred: () => boolean) =>
      new Promise<number>((resolve) => {
        const t = setInterval(() => {
          if (!pred()) return;
          clearInterval(t);
          resolve(Date.now() - killedAt);
        }, 10);
      });
    const [reconnectedMs, syncedMs] = await Promise.all([
      done(() => clients.every((c) => c.state === 'connected')),
      done(() => seen.every((counts, i) => counts.has(sent[Math.floor(i / 2)]!))),
    ]);
    await new Promise((r) => setTimeout(r, 500)); // late duplicates would show up here
    const duplicates = seen.reduce((n, counts) => n + [...counts.values()].filter((v) => v > 1).length, 0);
    const losses = seen.filter((counts, i) => !counts.has(sent[Math.floor(i / 2)]!)).length;
    await Promise.all(writers.map((w) => w.close()));
    return { clients: clients.length, connectMs, reconnectedMs, syncedMs, duplicates, losses };
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(servers.map((s) => s.proc.kill('SIGKILL')));
    await sys.close();
  }
}
