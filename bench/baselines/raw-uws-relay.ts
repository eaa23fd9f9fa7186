import uWS from 'uWebSockets.js';

/**
 * Baseline (a): the socket layer's ceiling here. A raw uWebSockets.js relay: no auth, no storage;
 * a client joins `?room=` and every message is published to that room's topic (sender included).
 * GET /ping answers a small JSON for the REST baseline.
 */
const port = Number(process.argv[2] ?? 0);
const app = uWS.App();
app.ws<{ room: string }>('/relay', {
  compression: uWS.DISABLED,
  maxPayloadLength: 64 * 1024,
  idleTimeout: 120,
  upgrade: (res, req, context) => {
    const room = new URLSearchParams(req.getQuery() ?? '').get('room') ?? '0';
    res.upgrade({ room }, req.getHeader('sec-websocket-key'), req.getHeader('sec-websocket-protocol'), req.getHeader('sec-websocket-extensions'), context);
  },
  open: (ws) => {
    ws.subscribe(`room/${ws.getUserData().room}`);
  },
  message: (ws, message) => {
    app.publish(`room/${ws.getUserData().room}`, message, false);
  },
});
app.get('/ping', (res) => {
  res.cork(() => res.writeHeader('content-type', 'application/json').end('{"items":[],"page":0,"size":20,"total":0}'));
});
app.listen('127.0.0.1', port, (token) => {
  if (!token) process.exit(1);
  process.stdout.write(`${JSON.stringify({ port: uWS.us_socket_local_port(token) })}\n`);
});
