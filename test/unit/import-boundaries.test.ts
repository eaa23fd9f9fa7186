import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * The folders tell the architecture (CONTRIBUTING.md): `protocol/` imports nothing of ours; `lib/` imports
 * only `protocol/`; `gateway/` and `workers/` meet through Redis, never each other's code; the client
 * library bundles `protocol/` and nothing else of the server.
 */
const ROOT = path.join(__dirname, '..', '..');
const ALLOWED: Record<string, readonly string[]> = {
  protocol: ['protocol'],
  lib: ['protocol', 'lib'],
  gateway: ['protocol', 'lib', 'gateway'],
  workers: ['protocol', 'lib', 'workers'],
  'client/src': ['protocol', 'client/src'],
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return name === 'node_modules' || name === 'console' ? [] : sources(full);
    return /\.(ts|mts|cts)$/.test(name) && !name.endsWith('.d.ts') ? [full] : [];
  });
}

const homeOf = (file: string) => Object.keys(ALLOWED).find((top) => path.relative(path.join(ROOT, top), file).split(path.sep)[0] !== '..');

it('no folder imports one above or beside it that it may not', () => {
  const violations: string[] = [];
  for (const [top, allowed] of Object.entries(ALLOWED)) {
    for (const file of sources(path.join(ROOT, top))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']*)'/g)) {
        const target = path.resolve(path.dirname(file), m[1]!);
        const home = homeOf(target);
        if (!home || !allowed.includes(home)) violations.push(`${path.relative(ROOT, file)} imports ${path.relative(ROOT, target)}`);
      }
    }
  }
  expect(violations).toEqual([]);
});
