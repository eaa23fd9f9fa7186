import autocannon from 'autocannon';
import { startBenchSystem } from '../support/bench-system';
import { startServer, type BenchServer } from '../support/servers';
import { mintToken } from '../../lib/identity/token-minter';
import { BENCH_SECRET } from '../support/bench-system';

export interface RestSuiteResult {
  listReqPerSec: number;
  listP99Ms: number;
  pingReqPerSec: number;
  pingP99Ms: number;
  flowsPerSec: number;
}

async function cannon(url: string, headers: Record<string, string>, durationSec: number) {
  const r = await autocannon({ url, connections: 32, duration: durationSec, headers });
  // Refusals (a rate limit, an error) would look like fast answers: the figure counts only 2xx.
  if (r.non2xx > 0) throw new Error(`${url}: ${r.non2xx} responses were not 2xx; raise the limits for the bench`);
  return { rps: r.requests.average, p99: r.latency.p99 };
}

/** autocannon on a list endpoint vs the raw uWS /ping baseline, and the request→approve→start→end flow. */
export async function restSuite(quick: boolean): Promise<RestSuiteResult> {
  const duration = quick ? 2 : 10;
  const sys = await startBenchSystem();
  const servers: BenchServer[] = [];
  try {
    const rooms = await sys.seedRooms(50);
    const gateway = await startServer('gateway/main.ts', sys.env);
    servers.push(gateway);
    const auth = { authorization: `Bearer ${rooms[0]!.tokens[1]}` };
    const listUrl = `http://127.0.0.1:${gateway.port}/api/consultation/active?page=0&size=20`;
    await cannon(listUrl, auth, 2); // warm-up: JIT, pool connections, prepared statements
    const list = await cannon(listUrl, auth, duration);

    // The full lifecycle, 16 flows at a time: 4 requests each.
    await sys.knex('users').insert({ id: 'flow-p', name: 'Flow', role: 'PROFESSOR' }).onConflict('id').ignore();
    const student = mintToken(BENCH_SECRET, { sub: 'flow-s', name: 'Flow S', roles: ['STUDENT'] });
    const professor = mintToken(BENCH_SECRET, { sub: 'flow-p', name: 'Flow', roles: ['PROFESSOR'] });
    const post = (path: string, token: string, body: object) =>
      fetch(`http://127.0.0.1:${gateway.port}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then(async (r) => (await r.json()) as { requestIdx: number });
    let flows = 0;
    const until = Date.now() + duration * 1000;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (Date.now() < until) {
          const { requestIdx } = await post('/api/consultation/request', student, { professorId: 'flow-p', title: 'flow', content: 'c' });
          await post('/api/consultation/approve', professor, { requestIdx });
          await post('/api/consultation/start', student, { requestIdx });
          await post('/api/consultation/end', student, { requestIdx });
          flows++;
        }
      }),
    );
    const flowsPerSec = flows / duration;
    await gateway.proc.kill();

    const raw = await startServer('bench/baselines/raw-uws-relay.ts', sys.env, ['0']);
    servers.push(raw);
    const ping = await cannon(`http://127.0.0.1:${raw.port}/ping`, {}, duration);
    return { listReqPerSec: list.rps, listP99Ms: list.p99, pingReqPerSec: ping.rps, pingP99Ms: ping.p99, flowsPerSec };
  } finally {
    await Promise.all(servers.map((s) => s.proc.kill('SIGKILL')));
    await sys.close();
  }
}
