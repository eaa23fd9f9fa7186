import { Client, type IMessage } from '@stomp/stompjs';

/**
 * An unmodified @stomp/stompjs client over the given socket factory (a SockJS socket, a `ws` WebSocket),
 * subscribed to `/user/queue/chat`; resolves once CONNECTED. `send` resolves with the RECEIPT's headers.
 */
export async function stompOver(factory: () => unknown, token: string) {
  const events: Record<string, unknown>[] = [];
  const client = new Client({
    webSocketFactory: factory as never,
    connectHeaders: { Authorization: `Bearer ${token}` },
    reconnectDelay: 0,
    heartbeatIncoming: 0,
    heartbeatOutgoing: 0,
  });
  await new Promise<void>((resolve, reject) => {
    client.onConnect = () => resolve();
    client.onStompError = (f) => reject(new Error(f.headers['message']));
    client.onWebSocketClose = (e: { code?: number }) => reject(new Error(`closed ${e.code}`));
    client.activate();
  });
  client.subscribe('/user/queue/chat', (m: IMessage) => events.push(JSON.parse(m.body) as Record<string, unknown>));
  const send = (destination: string, body: object) =>
    new Promise<Record<string, string>>((resolve) => {
      const receipt = `r-${Math.random()}`;
      client.watchForReceipt(receipt, (f) => resolve(f.headers));
      client.publish({ destination, body: JSON.stringify(body), headers: { receipt } });
    });
  /** Re-checks `pred` until it holds (events arrive from another process; nothing local announces them). */
  const waitFor = async (pred: () => boolean, what: string) => {
    const deadline = Date.now() + 10_000;
    while (!pred()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(events).slice(0, 400)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { client, events, send, waitFor };
}
