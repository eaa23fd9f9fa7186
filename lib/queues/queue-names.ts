/** Every BullMQ queue of the project (Bull Board lists these). Keys live under `{REDIS_PREFIX}:bull`. */
export const QUEUE_NAMES = {
  chatPersist: 'chat-persist',
  consultationArchive: 'consultation-archive',
  maintenance: 'maintenance',
  pushNotify: 'push-notify',
} as const;

export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];
export const ALL_QUEUES: readonly QueueName[] = Object.values(QUEUE_NAMES);

export const bullPrefix = (redisPrefix: string) => `${redisPrefix}:bull`;
