import { readdirSync, readFileSync } from 'node:fs';

const TICKS = 100; // USER_HZ on Linux

/** CPU seconds (user + system) a process has used so far, from /proc. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

/** Resident set size of a process in bytes. */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** CPU seconds of every PostgreSQL process now, by pid (the server's backends serve every role and baseline). */
export function postgresCpuSnapshot(): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres') out.set(Number(pid), cpuSeconds(Number(pid)));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/**
 * PostgreSQL CPU seconds spent since `before`: per backend alive now (one that started meanwhile counts
 * whole). A backend that exited meanwhile is left out rather than turning the sum negative.
 */
export function postgresCpuSince(before: ReadonlyMap<number, number>): number {
  let total = 0;
  for (const [pid, sec] of postgresCpuSnapshot()) total += sec - (before.get(pid) ?? 0);
  return total;
}
