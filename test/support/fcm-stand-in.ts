import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';

export interface FcmRequest {
  token: string;
  data: Record<string, string>;
  at: number;
}

/**
 * A local HTTPS stand-in for Google's OAuth token and FCM v1 send endpoints. Its answer depends on the
 * device token: `ok-*` succeeds, `flaky-*` is UNAVAILABLE (503) twice then succeeds, `broken-*` is INTERNAL
 * (500) twice then succeeds, `dead-*` is UNREGISTERED.
 * `agent` routes the real firebase-admin SDK's requests (both hosts) here.
 */
export class FcmStandIn {
  readonly requests: FcmRequest[] = [];
  readonly agent: https.Agent;
  readonly serviceAccountPath: string;
  private readonly dir: string;
  private server!: https.Server;
  private port = 0;

  private constructor() {
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'oh-fcm-'));
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    this.serviceAccountPath = path.join(this.dir, 'service-account.json');
    writeFileSync(
      this.serviceAccountPath,
      JSON.stringify({
        type: 'service_account',
        project_id: 'oh-test',
        private_key_id: 'test-key',
        private_key: privateKey,
        client_email: 'push@oh-test.iam.gserviceaccount.com',
        client_id: '1',
        token_uri: 'https://oauth2.googleapis.com/token',
      }),
    );
    const standInPort = () => this.port;
    this.agent = new (class extends https.Agent {
      override createConnection(options: { servername?: string; host?: string }, cb?: unknown) {
        void cb;
        return tls.connect({ host: '127.0.0.1', port: standInPort(), servername: options.servername ?? options.host, rejectUnauthorized: false });
      }
    })({ keepAlive: false });
  }

  static async start(): Promise<FcmStandIn> {
    const s = new FcmStandIn();
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        path.join(s.dir, 'key.pem'),
        '-out',
        path.join(s.dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
      ],
      { stdio: 'ignore' },
    );
    s.server = https.createServer({ key: readFileSync(path.join(s.dir, 'key.pem')), cert: readFileSync(path.join(s.dir, 'cert.pem')) }, (req, res) =>
      s.handle(req, res),
    );
    await new Promise<void>((resolve) => s.server.listen(0, '127.0.0.1', resolve));
    s.port = (s.server.address() as AddressInfo).port;
    return s;
  }

  requestsFor(token: string): FcmRequest[] {
    return this.requests.filter((r) => r.token === token);
  }

  async close(): Promise<void> {
    this.agent.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.dir, { recursive: true, force: true });
  }

  private handle(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.url === '/token') return json(200, { access_token: 'stand-in-token', expires_in: 3600, token_type: 'Bearer' });
      const m = /^\/v1\/projects\/([^/]+)\/messages:send$/.exec(req.url ?? '');
      if (!m) return json(404, { error: { code: 404, message: 'not found', status: 'NOT_FOUND' } });
      const { message } = JSON.parse(Buffer.concat(chunks).toString()) as { message: { token: string; data: Record<string, string> } };
      this.requests.push({ token: message.token, data: message.data, at: Date.now() });
      const seen = this.requestsFor(message.token).length;
      const fcmError = (code: number, status: string, errorCode: string) =>
        json(code, { error: { code, message: errorCode, status, details: [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode }] } });
      if (message.token.startsWith('dead-')) return fcmError(404, 'NOT_FOUND', 'UNREGISTERED');
      if (message.token.startsWith('flaky-') && seen <= 2) return fcmError(503, 'UNAVAILABLE', 'UNAVAILABLE');
      if (message.token.startsWith('broken-') && seen <= 2) return fcmError(500, 'INTERNAL', 'INTERNAL');
      return json(200, { name: `projects/${m[1]}/messages/${this.requests.length}` });
    });
  }
}
