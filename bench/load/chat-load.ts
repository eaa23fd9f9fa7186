import { readFileSync } from 'node:fs';
import { io as ioClient, type Socket } from 'socket.io-client';
import SockJS from 'sockjs-client';
import WebSocket from 'ws';
import { LatencyHistogram, nowMicros } from '../support/latency-histogram';

/**
 * Load generator process (one of several): clients in rooms of two, all speaking the same load shape
 * to one of three servers: the full STOMP path, a raw uWebSockets.js relay, or a socket.io relay.
 * Messages carry their send time; a peer's delivery is a latency sample (send→deliver). On the STOMP path
 * each SEND asks for a RECEIPT, which is a second sample (send→RECEIPT) and frees the window slot (a
 * client that waits for the durable ack); the relays free it on the sender's own echo. Prints one JSON
 * result line.
 */
export interface LoadConfig {
  kind: 'stomp' | 'raw' | 'socketio' | 'sockjs';
  /** kind 'sockjs': the sockjs-client transport forced (websocket, xhr-streaming, xhr-polling, eventsource). */
  sockjsTransport?: string;
  port: number;
  rooms: { requestIdx: number; tokens: [string, string] }[];
  mode: 'closed' | 'open' | 'idle';
  window: number;
  ratePerClient: number;
  warmupMs: number;
  durationMs: number;
  localAddresses: string[];
}

interface BenchClient {
  index: number;
  requestIdx: number;
  inFlight: number;
  sent: number;
  send(content: string): void;
  close(): void;
}

// The config (rooms and tokens) comes in a file: it is too large for argv.
const cfg = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as LoadConfig;
// clientMsgIds must not repeat across runs against the same rooms (the server would dedupe them).
const RUN = `${process.pid.toString(36)}${Date.now().toString(36)}`;
const hist = new LatencyHistogram();
const receiptHist = new LatencyHistogram();
let measuring = false;
let sentMeasured = 0;
let deliveredMeasured = 0;
let errors = 0;
const clients: BenchClient[] = [];

function onContent(receiver: BenchClient, content: string): void {
  // content = t<micros>|<senderIndex>|…
  const bar1 = content.indexOf('|');
  const bar2 = content.indexOf('|', bar1 + 1);
  const sentAt = Number(content.slice(1, bar1));
  const sender = Number(content.slice(bar1 + 1, bar2));
  if (sender === receiver.index) {
    if (cfg.kind !== 'stomp' && cfg.kind !== 'sockjs') freeSlot(receiver);
    return;
  }
  if (measuring) {
    deliveredMeasured++;
    hist.recordMicros(nowMicros() - sentAt);
  }
}

function freeSlot(c: BenchClient): void {
  c.inFlight--;
  if (cfg.mode === 'closed') pump(c);
}

const RECEIPT_ID = 'receipt-id:';

/** A RECEIPT for a chat.send carries the send time as its id. */
function onReceipt(c: BenchClient, text: string): void {
  const at = text.indexOf(RECEIPT_ID) + RECEIPT_ID.length;
  const id = text.slice(at, text.indexOf('\n', at));
  if (id[0] !== 't') return;
  if (measuring) receiptHist.recordMicros(nowMicros() - Number(id.slice(1)));
  freeSlot(c);
}

function pump(c: BenchClient): void {
  while (c.inFlight < cfg.window) sendOne(c);
}

function sendOne(c: BenchClient): void {
  c.inFlight++;
  c.sent++;
  if (measuring) sentMeasured++;
  c.send(`t${nowMicros()}|${c.index}|${'x'.repeat(32)}`);
}

const CONTENT = '"content":"';

/** A STOMP client's socket: a `ws` WebSocket, or a sockjs-client socket (which hands over one message per STOMP frame). */
interface FrameSocket {
  send(text: string): void;
  close(): void;
  on(event: 'open', cb: () => void): void;
  on(event: 'message', cb: (data: { toString(): string }) => void): void;
  on(event: 'error', cb: (err: Error) => void): void;
}

function sockJsSocket(): FrameSocket {
  const sock = new SockJS(`http://127.0.0.1:${cfg.port}/ws/chat`, undefined, { transports: [cfg.sockjsTransport!] });
  return {
    send: (text) => sock.send(text),
    close: () => sock.close(),
    on: (event: string, cb: (arg?: never) => void) => {
      if (event === 'open') sock.onopen = () => cb();
      if (event === 'message') sock.onmessage = (e: { data: string }) => cb(e.data as never);
      if (event === 'error') sock.onclose = (e: { code: number }) => (e.code === 1000 ? undefined : cb(new Error(`closed ${e.code}`) as never));
    },
  } as FrameSocket;
}

function connectStomp(index: number, requestIdx: number, token: string, localAddress: string): Promise<BenchClient> {
  return new Promise((resolve, reject) => {
    const ws: FrameSocket =
      cfg.kind === 'sockjs'
        ? sockJsSocket()
        : (new WebSocket(`ws://127.0.0.1:${cfg.port}/ws/chat`, ['v12.stomp'], { localAddress, perMessageDeflate: false }) as unknown as FrameSocket);
    const c: BenchClient = {
      index,
      requestIdx,
      inFlight: 0,
      sent: 0,
      send: (content) =>
        ws.send(
          `SEND\ndestination:/app/chat.send\ncontent-type:application/json\nreceipt:${content.slice(0, content.indexOf('|'))}\n\n{"requestIdx":${requestIdx},"content":"${content}","clientMsgId":"${RUN}-${index}-${c.sent}"}\0`,
        ),
      close: () => ws.close(),
    };
    ws.on('open', () => ws.send(`CONNECT\naccept-version:1.2\nheart-beat:0,0\nAuthorization:Bearer ${token}\n\n\0`));
    ws.on('message', (data) => {
      const text = data.toString();
      if (text.startsWith('CONNECTED')) {
        ws.send('SUBSCRIBE\nid:0\ndestination:/user/queue/chat\n\n\0SUBSCRIBE\nid:1\ndestination:/user/queue/errors\nreceipt:ready\n\n\0');
        return;
      }
      if (text.startsWith('RECEIPT')) {
        if (text.includes(`${RECEIPT_ID}ready`)) return resolve(c);
        return onReceipt(c, text);
      }
      if (text.startsWith('ERROR')) {
        errors++;
        return reject(new Error(text.slice(0, 200)));
      }
      const at = text.indexOf(CONTENT);
      if (at < 0) {
        if (text.includes('"type":"ERROR"')) errors++;
        return;
      }
      const start = at + CONTENT.length;
      onContent(c, text.slice(start, text.indexOf('"', start)));
    });
    ws.on('error', (err) => {
      errors++;
      reject(err);
    });
  });
}

function connectRaw(index: number, requestIdx: number, localAddress: string): Promise<BenchClient> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${cfg.port}/relay?room=${requestIdx}`, { localAddress, perMessageDeflate: false });
    const c: BenchClient = { index, requestIdx, inFlight: 0, sent: 0, send: (content) => ws.send(content), close: () => ws.close() };
    ws.on('open', () => resolve(c));
    ws.on('message', (data) => onContent(c, data.toString()));
    ws.on('error', (err) => {
      errors++;
      reject(err);
    });
  });
}

function connectSocketIo(index: number, requestIdx: number, localAddress: string): Promise<BenchClient> {
  return new Promise((resolve, reject) => {
    const socket: Socket = ioClient(`http://127.0.0.1:${cfg.port}`, {
      transports: ['websocket'],
      reconnection: false,
      query: { room: String(requestIdx) },
      localAddress,
    } as Parameters<typeof ioClient>[1]);
    const c: BenchClient = { index, requestIdx, inFlight: 0, sent: 0, send: (content) => socket.emit('msg', content), close: () => socket.close() };
    socket.on('joined', () => resolve(c));
    socket.on('msg', (content: string) => onContent(c, content));
    socket.on('connect_error', (err) => {
      errors++;
      reject(err);
    });
  });
}

async function main(): Promise<void> {
  const t0 = Date.now();
  let i = 0;
  const pending: Promise<BenchClient>[] = [];
  for (const room of cfg.rooms) {
    for (const token of room.tokens) {
      const localAddress = cfg.localAddresses[i % cfg.localAddresses.length]!;
      const index = i++;
      pending.push(
        cfg.kind === 'stomp' || cfg.kind === 'sockjs'
          ? connectStomp(index, room.requestIdx, token, localAddress)
          : cfg.kind === 'raw'
            ? connectRaw(index, room.requestIdx, localAddress)
            : connectSocketIo(index, room.requestIdx, localAddress),
      );
      // Bound concurrent handshakes so connecting does not look like an attack to the server.
      if (pending.length % 1000 === 0) clients.push(...(await Promise.all(pending.splice(0))));
    }
  }
  clients.push(...(await Promise.all(pending)));
  const connectMs = Date.now() - t0;

  if (cfg.mode === 'idle') {
    process.stdout.write(`${JSON.stringify({ ready: true, clients: clients.length, connectMs })}\n`);
    process.stdin.resume();
    process.stdin.on('end', () => process.exit(0));
    return;
  }

  const cpu0 = process.cpuUsage();
  if (cfg.mode === 'closed') for (const c of clients) pump(c);
  // Open loop: every client on its own timer with a random phase, so arrivals are spread rather than
  // sent in synchronized bursts (which would measure the generator's ticks, not the server).
  const timers: NodeJS.Timeout[] = [];
  if (cfg.mode === 'open') {
    const intervalMs = Math.max(1, 1000 / cfg.ratePerClient);
    const perTick = Math.max(1, Math.round((cfg.ratePerClient * intervalMs) / 1000));
    for (const c of clients) {
      timers.push(
        setTimeout(() => {
          timers.push(
            setInterval(() => {
              for (let k = 0; k < perTick; k++) sendOne(c);
            }, intervalMs),
          );
        }, Math.random() * intervalMs),
      );
    }
  }
  await new Promise((r) => setTimeout(r, cfg.warmupMs));
  measuring = true;
  const m0 = Date.now();
  await new Promise((r) => setTimeout(r, cfg.durationMs));
  measuring = false;
  const measuredMs = Date.now() - m0;
  for (const t of timers) clearInterval(t);
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(
    `${JSON.stringify({ clients: clients.length, connectMs, measuredMs, sentMeasured, deliveredMeasured, errors, cpuSeconds: (cpu.user + cpu.system) / 1e6, hist: hist.toJSON(), receiptHist: receiptHist.toJSON() })}\n`,
  );
  for (const c of clients) c.close();
  setTimeout(() => process.exit(0), 200).unref();
}

void main().catch((err: unknown) => {
  process.stdout.write(`${JSON.stringify({ error: String(err) })}\n`);
  process.exit(1);
});
