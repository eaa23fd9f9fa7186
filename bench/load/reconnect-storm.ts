import { readFileSync } from 'node:fs';
import readline from 'node:readline';
import WebSocket from 'ws';
import { LatencyHistogram } from '../support/latency-histogram';

/**
 * Reconnect-storm generator (one of several processes, each with a slice of the rooms). Driven by lines on
 * stdin, answers with one JSON line each:
 *  - at start: every session (both participants of each room) connects to gateway A and subscribes;
 *  - `seed <port> <n>`: one extra session per room sends n messages through a gateway (the sessions on A,
 *    killed by then, miss them);
 *  - `storm <port>`: every session reconnects to gateway B at once, subscribes and sends chat.sync from the
 *    last seq it had; done when it holds every missed message and its sync's RECEIPT.
 */
export interface StormConfig {
  port: number;
  rooms: { requestIdx: number; tokens: [string, string] }[];
  localAddresses: string[];
}

interface Session {
  requestIdx: number;
  token: string;
  localAddress: string;
  lastSeq: number;
}

const cfg = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as StormConfig;
const RUN = `${process.pid.toString(36)}${Date.now().toString(36)}`;
const HANDSHAKES_AT_ONCE = 500;
let errors = 0;

function open(port: number, s: Session, onFrame: (ws: WebSocket, text: string) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/chat`, ['v12.stomp'], { localAddress: s.localAddress, perMessageDeflate: false });
    ws.on('open', () => ws.send(`CONNECT\naccept-version:1.2\nheart-beat:0,0\nAuthorization:Bearer ${s.token}\n\n\0`));
    ws.on('message', (data) => {
      const text = data.toString();
      if (text.startsWith('CONNECTED')) {
        ws.send('SUBSCRIBE\nid:0\ndestination:/user/queue/chat\nreceipt:subscribed\n\n\0');
        return;
      }
      if (text.startsWith('RECEIPT') && text.includes('receipt-id:subscribed')) return resolve(ws);
      if (text.startsWith('ERROR')) {
        errors++;
        return reject(new Error(text.slice(0, 200)));
      }
      onFrame(ws, text);
    });
    ws.on('error', (err) => {
      errors++;
      reject(err);
    });
  });
}

/** Runs `task` over `items` with at most `limit` at a time. */
async function bounded<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await task(items[next++]!);
    }),
  );
}

const SEQ = '"seq":';
const seqOf = (text: string) => {
  const at = text.indexOf(SEQ);
  return at < 0 ? -1 : parseInt(text.slice(at + SEQ.length), 10);
};

const sessions: Session[] = cfg.rooms.flatMap((room, r) =>
  room.tokens.map((token, t) => ({
    requestIdx: room.requestIdx,
    token,
    localAddress: cfg.localAddresses[(r * 2 + t) % cfg.localAddresses.length]!,
    lastSeq: 0,
  })),
);

async function connectAll(): Promise<void> {
  const t0 = Date.now();
  // Sessions on A only track the last seq they saw; A is killed under them.
  await bounded(sessions, 200, async (s) => {
    const ws = await open(cfg.port, s, (_ws, text) => {
      s.lastSeq = Math.max(s.lastSeq, seqOf(text));
    });
    ws.on('close', () => undefined);
  });
  print({ ready: true, clients: sessions.length, connectMs: Date.now() - t0 });
}

async function seed(port: number, perRoom: number): Promise<void> {
  const t0 = Date.now();
  await bounded(cfg.rooms, 100, async (room) => {
    let receipts = 0;
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    const ws = await open(port, { requestIdx: room.requestIdx, token: room.tokens[1], localAddress: cfg.localAddresses[0]!, lastSeq: 0 }, (_ws, text) => {
      if (text.startsWith('RECEIPT') && ++receipts === perRoom) done();
    });
    for (let i = 0; i < perRoom; i++) {
      ws.send(
        `SEND\ndestination:/app/chat.send\nreceipt:m${i}\n\n{"requestIdx":${room.requestIdx},"content":"missed ${i}","clientMsgId":"${RUN}-${room.requestIdx}-${i}"}\0`,
      );
    }
    await finished;
    ws.close();
  });
  print({ seeded: cfg.rooms.length * perRoom, ms: Date.now() - t0 });
}

async function storm(port: number, missedPerRoom: number): Promise<void> {
  const t0 = Date.now();
  const syncHist = new LatencyHistogram();
  const doneHist = new LatencyHistogram();
  let complete = 0;
  let lastDoneMs = 0;
  let finishedAll!: () => void;
  const allDone = new Promise<void>((r) => (finishedAll = r));
  const sockets: WebSocket[] = [];
  await bounded(sessions, HANDSHAKES_AT_ONCE, async (s) => {
    const want = s.lastSeq + missedPerRoom;
    const seen = new Set<number>();
    let receipted = false;
    let syncAt = 0;
    let counted = false;
    const check = () => {
      if (counted || !receipted || seen.size < missedPerRoom) return;
      counted = true;
      lastDoneMs = Date.now() - t0;
      doneHist.recordMicros(lastDoneMs * 1000);
      if (++complete === sessions.length) finishedAll();
    };
    const ws = await open(port, s, (_ws, text) => {
      if (text.startsWith('RECEIPT')) {
        syncHist.recordMicros((performance.now() - syncAt) * 1000);
        receipted = true;
      } else {
        const seq = seqOf(text);
        if (seq > s.lastSeq && seq <= want) seen.add(seq);
      }
      check();
    });
    sockets.push(ws);
    syncAt = performance.now();
    ws.send(`SEND\ndestination:/app/chat.sync\nreceipt:sync\n\n{"requestIdx":${s.requestIdx},"afterSeq":${s.lastSeq}}\0`);
  });
  const connectedMs = Date.now() - t0;
  await allDone;
  print({ storm: true, clients: sessions.length, connectedMs, allSyncedMs: lastDoneMs, syncHist: syncHist.toJSON(), doneHist: doneHist.toJSON(), errors });
  for (const ws of sockets) ws.close();
}

function print(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const [cmd, port, n] = line.split(' ');
  const run = cmd === 'seed' ? seed(Number(port), Number(n)) : cmd === 'storm' ? storm(Number(port), Number(n)) : Promise.resolve(process.exit(0));
  run.catch((err: unknown) => {
    print({ error: String(err), errors });
    process.exit(1);
  });
});
connectAll().catch((err: unknown) => {
  print({ error: String(err), errors });
  process.exit(1);
});
