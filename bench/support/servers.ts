import { startRole, type RoleProcess } from '../../test/support/child-process';

export interface BenchServer {
  readonly proc: RoleProcess;
  readonly port: number;
  readonly pid: number;
}

/** Starts a role or a baseline server and waits for the JSON line that names its port. */
export async function startServer(
  entry: string,
  env: NodeJS.ProcessEnv,
  args: string[] = [],
  portField = 'port',
  nodeArgs: string[] = [],
): Promise<BenchServer> {
  const proc = startRole(entry, { ...env, PORT: '0', HOST: '127.0.0.1', WORKER_METRICS_PORT: '0' }, args, nodeArgs);
  const line = await proc.waitForLog((l) => typeof l[portField] === 'number', 30_000);
  return { proc, port: Number(line[portField]), pid: proc.child.pid! };
}

/** The full path's two roles: a gateway and a worker (whose `port` is its metrics port). */
export async function startFullPath(
  env: NodeJS.ProcessEnv,
  nodeArgs: { gateway?: string[]; worker?: string[] } = {},
): Promise<{ gateway: BenchServer; worker: BenchServer }> {
  const gateway = await startServer('gateway/main.ts', env, [], 'port', nodeArgs.gateway);
  const worker = await startServer('workers/main.ts', env, [], 'metricsPort', nodeArgs.worker).catch(async (err: unknown) => {
    await gateway.proc.kill('SIGKILL');
    throw err;
  });
  return { gateway, worker };
}

/** Quantile estimate (linear within buckets) from the difference of two scrapes of a Prometheus histogram. */
export function histogramQuantile(before: string, after: string, name: string, q: number): number {
  const read = (text: string) => {
    const out = new Map<number, number>();
    for (const m of text.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\d+)`, 'gm')))
      out.set(m[1] === '+Inf' ? Infinity : Number(m[1]), Number(m[2]));
    return out;
  };
  const a = read(before);
  const b = read(after);
  const les = [...b.keys()].sort((x, y) => x - y);
  const counts = les.map((le) => (b.get(le) ?? 0) - (a.get(le) ?? 0));
  const total = counts[counts.length - 1] ?? 0;
  if (total === 0) return NaN;
  const target = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (let i = 0; i < les.length; i++) {
    if (counts[i]! >= target) {
      const le = les[i]!;
      if (!Number.isFinite(le)) return prevLe;
      return prevLe + ((le - prevLe) * (target - prevCount)) / Math.max(1, counts[i]! - prevCount);
    }
    prevLe = les[i]!;
    prevCount = counts[i]!;
  }
  return NaN;
}
