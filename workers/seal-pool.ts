import { availableParallelism } from 'node:os';
import path from 'node:path';
import Piscina from 'piscina';
import { ARCHIVE_ALGORITHM } from '../lib/archive/archive-cipher';
import type { SealResult, SealTask, Sealer } from '../lib/archive/sealer';

/** Archive and snapshot sealing (format + hash + AES-GCM) on a thread pool sized to the cores. */
export class SealPool implements Sealer {
  private readonly pool: Piscina;

  constructor(threads = availableParallelism()) {
    // Threads stay up: a new one pays for loading TypeScript (~100 ms), which would dominate short tasks.
    const size = Math.max(1, threads);
    this.pool = new Piscina({ filename: path.join(__dirname, 'seal-worker.cjs'), minThreads: size, maxThreads: size, idleTimeout: 60_000 });
  }

  get threads(): number {
    return this.pool.options.maxThreads;
  }

  async seal(task: SealTask): Promise<SealResult> {
    // The thread moves the body back (seal-worker.cjs); the metadata is known here.
    const body = (await this.pool.run(task)) as Uint8Array;
    return { body, metadata: { 'key-id': task.keyId, algorithm: ARCHIVE_ALGORITHM } };
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }
}
