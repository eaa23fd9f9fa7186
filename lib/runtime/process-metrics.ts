import { collectDefaultMetrics, type Registry } from 'prom-client';

/**
 * How often the event-loop delay is sampled. prom-client's default (10 ms) wakes an idle process 100 times
 * a second; at 100 ms every stall of 100 ms or more still falls on a sample.
 */
export const EVENT_LOOP_SAMPLE_MS = 100;

/** Node's process metrics (CPU, memory, GC, event-loop delay, handles) under a role's prefix. */
export function collectProcessMetrics(registry: Registry, prefix: string): void {
  collectDefaultMetrics({ register: registry, prefix, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
}
