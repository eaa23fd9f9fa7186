import { Client } from '@stomp/stompjs';
import WebSocket from 'ws';

/** One benchmark STOMP client: a real @stomp/stompjs over ws, counting deliveries and their latency. */
export async function connectBenchClient(
  port: number,
  token: string,
  onChat: (sentAtMs: number, body: string) => void,
  localAddress?: string,
): Promise<Client> {
  const client = new Client({
    webSocketFactory: () => new WebSocket(`ws://127.0.0.1:${port}/ws/chat`, ['v12.stomp'], localAddress ? { localAddress } : {}),
    connectHeaders: { Authorization: `Bearer ${token}` },
    reconnectDelay: 0,
    heartbeatIncoming: 0,
    heartbeatOutgoing: 0,
    debug: () => undefined,
  });
  await new Promise<void>((resolve, reject) => {
    client.onConnect = () => resolve();
    client.onStompError = (f) => reject(new Error(f.headers['message']));
    client.onWebSocketClose = () => reject(new Error('closed'));
    client.activate();
  });
  client.subscribe('/user/queue/chat', (m) => {
    const at = m.body.indexOf('"content":"t');
    if (at < 0) return;
    onChat(Number(m.body.slice(at + 12, m.body.indexOf('|', at))), m.body);
  });
  return client;
}
