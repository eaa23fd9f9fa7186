/** Every BullMQ queue of the project (Bull Board lists these). Keys live under `{REDIS_PREFIX}:bull:{queue}`. */
export const QUEUE_NAMES = {
  chatPersist: 'chat-persist',
  consultationArchive: 'consultation-archive',
  dataOffice: 'data-office',
  maintenance: 'maintenance',
  pushNotify: 'push-notify',
} as const;

export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];
export const ALL_QUEUES: readonly QueueName[] = Object.values(QUEUE_NAMES);

/**
 * A queue's BullMQ prefix. BullMQ's scripts touch many keys of one queue; the hash tag keeps them in one
 * slot on a Redis Cluster (one slot per queue, so queues spread over the masters).
 */
export const bullPrefix = (redisPrefix: string, queue: QueueName) => `${redisPrefix}:bull:{${queue}}`;
