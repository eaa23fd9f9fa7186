import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import ROLE_NODE_FLAGS from '../../lib/runtime/role-node-flags.json';

const ROOT = path.resolve(__dirname, '..', '..');

export interface RoleProcess {
  readonly child: ChildProcess;
  /** JSON log lines seen so far. */
  readonly logs: Record<string, unknown>[];
  waitForLog(predicate: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Runs a role's entry file (e.g. gateway/main.ts) as a real process, reading its JSON logs. */
export function startRole(entry: string, env: NodeJS.ProcessEnv, args: string[] = [], nodeArgs: string[] = []): RoleProcess {
  // `node --import tsx` (not the tsx CLI, which runs node as a grandchild): a signal reaches the role itself.
  // A role runs with the V8 flags production gives it (baselines and scripts have none).
  const roleFlags: string[] = (ROLE_NODE_FLAGS as Record<string, string[]>)[entry] ?? [];
  const child = spawn(process.execPath, [...roleFlags, ...nodeArgs, '--import', 'tsx', path.join(ROOT, entry), ...args], {
    env: { ...env, LOG_PRETTY: '0', LOG_LEVEL: 'info' },
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let waiters: (() => void)[] = [];
  const onLine = (line: string) => {
    try {
      logs.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      logs.push({ raw: line });
    }
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };
  readline.createInterface({ input: child.stdout! }).on('line', onLine);
  readline.createInterface({ input: child.stderr! }).on('line', onLine);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      resolve(code);
      const w = waiters;
      waiters = [];
      for (const f of w) f();
    }),
  );
  return {
    child,
    logs,
    waitForLog(predicate, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${entry}: log line not seen; last: ${JSON.stringify(logs.slice(-3))}`)), timeoutMs);
        const check = () => {
          const hit = logs.find(predicate);
          if (hit) {
            clearTimeout(timer);
            resolve(hit);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            clearTimeout(timer);
            reject(new Error(`${entry} exited (${child.exitCode ?? child.signalCode}): ${JSON.stringify(logs.slice(-5))}`));
          } else waiters.push(check);
        };
        check();
      });
    },
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Starts a gateway process on a free port and resolves with it and its port. */
export async function startGatewayProcess(env: NodeJS.ProcessEnv): Promise<{ proc: RoleProcess; port: number }> {
  const proc = startRole('gateway/main.ts', { ...env, PORT: '0', HOST: '127.0.0.1' });
  const line = await proc.waitForLog((l) => l['msg'] === 'gateway listening');
  return { proc, port: Number(line['port']) };
}

/** Starts a worker process and resolves once its queues run. */
export async function startWorkerProcess(env: NodeJS.ProcessEnv): Promise<RoleProcess> {
  const proc = startRole('workers/main.ts', { ...env, WORKER_METRICS_PORT: '0', HOST: '127.0.0.1' });
  await proc.waitForLog((l) => l['msg'] === 'workers started');
  return proc;
}
