import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eventually } from './eventually';
import { freePortRange } from './free-port';

const SHIPPED = path.resolve(__dirname, '..', '..', 'deploy', 'nginx');

export interface OwnNginx {
  readonly port: number;
  /** The shipped access log (its own log_format), written to the temp directory. */
  readonly accessLog: string;
  close(): Promise<void>;
}

/**
 * Debian's nginx with the config we ship (deploy/nginx/office-hours.conf) in front of the given gateway
 * ports: only the upstream list, the listen address and the access log's path differ (a main config of the test's own, in a temp
 * directory, so nothing of the machine's nginx is touched).
 */
export async function startOwnNginx(gatewayPorts: readonly number[]): Promise<OwnNginx> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'oh-nginx-'));
  const port = await freePortRange(1);
  const upstream = readFileSync(path.join(SHIPPED, 'upstream.conf'), 'utf8').replace(
    /^\s*server 127\.0\.0\.1:8080 (.*)$/m,
    gatewayPorts.map((p) => `    server 127.0.0.1:${p} $1`).join('\n'),
  );
  const site = readFileSync(path.join(SHIPPED, 'office-hours.conf'), 'utf8')
    .replace('include /etc/nginx/office-hours/upstream.conf;', upstream)
    .replace('listen 80;', `listen 127.0.0.1:${port};`)
    .replace('/var/log/nginx/office-hours.access.log', path.join(dir, 'access.log'));
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `${t}_temp_path ${dir}/${t};`).join(' ');
  const user = process.getuid?.() === 0 ? 'user root;' : '';
  writeFileSync(
    path.join(dir, 'nginx.conf'),
    `${user}\ndaemon off;\nworker_processes 1;\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log warn;\nevents { worker_connections 1024; }\nhttp {\naccess_log off;\n${temp}\n${site}\n}\n`,
  );
  const child: ChildProcess = spawn('/usr/sbin/nginx', ['-p', dir, '-c', path.join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  await eventually(
    async () => {
      if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
      return fetch(`http://127.0.0.1:${port}/readyz`, { headers: { connection: 'close' } }).then(
        () => true,
        () => false,
      );
    },
    10_000,
    'nginx listening',
  );
  return {
    port,
    accessLog: path.join(dir, 'access.log'),
    async close() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
