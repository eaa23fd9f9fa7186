import type { Knex } from 'knex';
import type { Redis } from 'ioredis';
import type { AppConfig } from '../config/config';
import { ConsultationLifecycle, type ConsultationEndListener } from '../consultation/consultation-lifecycle';
import { ConsultationRepository } from '../consultation/consultation-repository';
import { createKnex } from '../db/knex-client';
import { EventPublisher } from '../events/event-publisher';
import { JwtVerifier } from '../identity/jwt-verifier';
import { createRedis } from '../redis/redis-client';
import { createRedisKeys, type RedisKeys } from '../redis/redis-keys';
import { UserDirectory } from '../users/user-directory';

/** The clients and domain services every role builds once at start and passes down. */
export interface CoreServices {
  readonly config: AppConfig;
  readonly knex: Knex;
  readonly redis: Redis;
  readonly keys: RedisKeys;
  readonly verifier: JwtVerifier;
  readonly users: UserDirectory;
  readonly consultations: ConsultationRepository;
  readonly events: EventPublisher;
  readonly lifecycle: ConsultationLifecycle;
  close(): Promise<void>;
}

export function buildCoreServices(
  config: AppConfig,
  role: string,
  options: { endListener?: ConsultationEndListener } = {},
): CoreServices {
  const knex = createKnex(config.databaseUrl);
  const redis = createRedis(config.redisUrl, role);
  const keys = createRedisKeys(config.redisPrefix);
  const users = new UserDirectory(knex);
  const consultations = new ConsultationRepository(knex);
  const events = new EventPublisher(redis, keys);
  return {
    config,
    knex,
    redis,
    keys,
    verifier: new JwtVerifier(config.jwt),
    users,
    consultations,
    events,
    lifecycle: new ConsultationLifecycle(consultations, users, events, options.endListener),
    async close() {
      await Promise.allSettled([knex.destroy(), redis.quit()]);
    },
  };
}
