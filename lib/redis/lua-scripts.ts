import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Redis } from 'ioredis';

/** Reads a Lua script that lives next to its adapter (`<dir>/lua/<name>.lua`). */
export function readLua(dir: string, name: string): string {
  return readFileSync(path.join(dir, 'lua', `${name}.lua`), 'utf8');
}

/** A script with shared Lua prepended (functions several scripts use): the preludes in order, then the script. */
export function readLuaWithPrelude(dir: string, ...names: [string, string, ...string[]]): string {
  return names.map((name) => readLua(dir, name)).join('\n');
}

/** A script command as ioredis defines it: its keys, then arguments. */
export type ScriptCommand<R> = (...args: (string | number)[]) => Promise<R>;

/** A script and how many of its leading arguments are keys; `'counted'`: each call passes its key count first. */
export interface ScriptSource {
  readonly lua: string;
  readonly keys: number | 'counted';
}

/**
 * Registers `scripts` once per connection and returns it typed with them (the one way adapters load Lua;
 * ioredis sends EVALSHA and falls back to EVAL after a SCRIPT FLUSH or a Redis restart). On a cluster,
 * auto-pipelining groups a call by the node of its first argument, which for a counted script is the count:
 * such calls skip auto-pipelining there and are routed by their keys (EVALSHA's own key positions).
 */
export function withScripts<T extends Record<string, ScriptCommand<unknown>>>(redis: Redis, scripts: { [K in keyof T]: ScriptSource }): Redis & T {
  for (const [name, s] of Object.entries(scripts as Record<string, ScriptSource>)) {
    if (name in redis) continue;
    redis.defineCommand(name, s.keys === 'counted' ? { lua: s.lua } : { lua: s.lua, numberOfKeys: s.keys });
    if (s.keys === 'counted' && redis.isCluster) redis.options.autoPipeliningIgnoredCommands?.push(name);
  }
  return redis as Redis & T;
}
