import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import type { Logger } from '../lib/logging/logger';

export interface SupervisedRole {
  readonly name: string;
  /** Arguments to `node`: V8 flags, loader and the entry file. */
  readonly nodeArgs: readonly string[];
  /** The `msg` of the role's JSON log line that says it is ready, if it has one. */
  readonly readyMessage?: string;
}

export interface RoleSupervisorOptions {
  readonly roles: readonly SupervisedRole[];
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly log: Logger;
  /** Where a role's stdout lines go (JSON as the role wrote them, or prettified for a person). */
  readonly writeLine: (line: string) => void;
  /** How long a stop waits for the roles to drain after SIGTERM before it SIGKILLs the rest. */
  readonly drainTimeoutMs: number;
  /** Restart delay: `initialMs` doubling with each exit inside the crash window, at most `maxMs`. */
  readonly restartDelay?: { readonly initialMs: number; readonly maxMs: number };
  /** A role restarted `restarts` times within `windowMs` that exits again is a crash loop: everything stops. */
  readonly crashLoop?: { readonly restarts: number; readonly windowMs: number };
  /** Called once, the first time every role with a `readyMessage` has logged it, with those lines by role. */
  readonly onAllReady?: (readyLines: ReadonlyMap<string, Record<string, unknown>>) => void;
}

export const DEFAULT_RESTART_DELAY = { initialMs: 500, maxMs: 10_000 };
export const DEFAULT_CRASH_LOOP = { restarts: 5, windowMs: 60_000 };

interface RoleState {
  readonly spec: SupervisedRole;
  child: ChildProcess | undefined;
  /** When the role exited unexpectedly, within the crash window. */
  exitTimes: number[];
  restartTimer: NodeJS.Timeout | undefined;
}

/**
 * The foreground supervisor of `npm start`: runs each role as a child process, starts one that exits
 * unexpectedly again with backoff, gives up on a crash loop, and stops all on request: SIGTERM, the drain
 * timeout, then SIGKILL (at once on a second stop). Exits are read from `exit` events (code or signal),
 * never from `exitCode`, which stays null for a child killed by a signal.
 */
export class RoleSupervisor {
  private readonly roles: RoleState[];
  private readonly restartDelay: { readonly initialMs: number; readonly maxMs: number };
  private readonly crashLoop: { readonly restarts: number; readonly windowMs: number };
  private state: 'running' | 'draining' | 'killing' = 'running';
  private failed = false;
  private drainTimer: NodeJS.Timeout | undefined;
  private readonly readyLines = new Map<string, Record<string, unknown>>();
  private allReadyReported = false;
  private finish: (code: number) => void = () => undefined;
  private readonly finished = new Promise<number>((resolve) => (this.finish = resolve));

  constructor(private readonly options: RoleSupervisorOptions) {
    this.roles = options.roles.map((spec) => ({ spec, child: undefined, exitTimes: [], restartTimer: undefined }));
    this.restartDelay = options.restartDelay ?? DEFAULT_RESTART_DELAY;
    this.crashLoop = options.crashLoop ?? DEFAULT_CRASH_LOOP;
  }

  /** Starts every role. Resolves once all have stopped: 0 after a clean drain, 1 after a crash loop, a role that failed to drain or a forced stop. */
  run(): Promise<number> {
    for (const role of this.roles) this.start(role);
    return this.finished;
  }

  /** The first call drains (SIGTERM, then SIGKILL after the drain timeout); a second kills at once. Restarts stop. */
  stop(reason: string): void {
    if (this.state === 'running') {
      this.state = 'draining';
      this.options.log.info({ reason, drainTimeoutMs: this.options.drainTimeoutMs }, 'stopping all roles');
      for (const role of this.roles) {
        clearTimeout(role.restartTimer);
        role.child?.kill('SIGTERM');
      }
      this.drainTimer = setTimeout(() => this.killRemaining('role did not drain in time; killing it'), this.options.drainTimeoutMs);
      this.settleIfAllExited();
    } else if (this.state === 'draining') {
      this.killRemaining('stopped again; killing role');
    }
  }

  private start(role: RoleState): void {
    role.restartTimer = undefined;
    this.readyLines.delete(role.spec.name);
    // Its own process group: a terminal's Ctrl-C reaches the supervisor alone, so a role never exits on it
    // before the supervisor knows it is stopping (which would look like a crash).
    const child = spawn(process.execPath, role.spec.nodeArgs, {
      cwd: this.options.cwd,
      env: this.options.env,
      stdio: ['ignore', 'pipe', 'inherit'],
      detached: true,
    });
    role.child = child;
    this.options.log.info({ roleName: role.spec.name, pid: child.pid, attempt: role.exitTimes.length }, 'role started');
    readline.createInterface({ input: child.stdout! }).on('line', (line) => this.onLine(role, line));
    child.once('exit', (code, signal) => this.onExit(role, code, signal));
  }

  private onLine(role: RoleState, line: string): void {
    this.options.writeLine(line);
    const ready = role.spec.readyMessage;
    if (!ready || this.allReadyReported || !line.includes(ready)) return;
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    if (parsed['msg'] !== ready) return;
    this.readyLines.set(role.spec.name, parsed);
    if (this.roles.every((r) => !r.spec.readyMessage || this.readyLines.has(r.spec.name))) {
      this.allReadyReported = true;
      this.options.onAllReady?.(this.readyLines);
    }
  }

  private onExit(role: RoleState, code: number | null, signal: NodeJS.Signals | null): void {
    role.child = undefined;
    if (this.state !== 'running') {
      if (code !== 0) this.failed = true;
      this.options.log.info({ roleName: role.spec.name, code, signal }, 'role stopped');
      this.settleIfAllExited();
      return;
    }
    const now = Date.now();
    role.exitTimes = [...role.exitTimes.filter((t) => now - t < this.crashLoop.windowMs), now];
    const attempt = role.exitTimes.length;
    if (attempt > this.crashLoop.restarts) {
      this.options.log.error(
        { roleName: role.spec.name, code, signal, restarts: this.crashLoop.restarts, windowMs: this.crashLoop.windowMs },
        'role keeps crashing; stopping all roles',
      );
      this.failed = true;
      this.stop(`${role.spec.name} keeps crashing`);
      return;
    }
    const delayMs = Math.min(this.restartDelay.initialMs * 2 ** (attempt - 1), this.restartDelay.maxMs);
    this.options.log.error({ roleName: role.spec.name, code, signal, attempt, delayMs }, 'role exited; restarting');
    role.restartTimer = setTimeout(() => this.start(role), delayMs);
  }

  private killRemaining(message: string): void {
    this.state = 'killing';
    for (const role of this.roles) {
      if (!role.child) continue;
      this.options.log.warn({ roleName: role.spec.name, pid: role.child.pid }, message);
      role.child.kill('SIGKILL');
    }
  }

  private settleIfAllExited(): void {
    if (this.roles.some((r) => r.child)) return;
    clearTimeout(this.drainTimer);
    this.finish(this.failed ? 1 : 0);
  }
}
