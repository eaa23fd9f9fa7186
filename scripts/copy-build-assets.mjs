// npm run build, after tsc: copies what the compiled roles read from disk next to their code in dist/
// (Lua scripts, the console's static files, the seal worker's entry, dashboards' provisioning files).
import { cpSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const DIST = path.join(ROOT, 'dist');

/** Every `lua/` folder under lib/ (each sits next to its adapter). */
function luaFolders(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (!statSync(full).isDirectory()) return [];
    return name === 'lua' ? [full] : luaFolders(full);
  });
}

const copies = [
  ...luaFolders(path.join(ROOT, 'lib')),
  path.join(ROOT, 'gateway', 'console'),
  path.join(ROOT, 'workers', 'seal-worker.cjs'),
  path.join(ROOT, 'dashboards', 'grafana'),
  path.join(ROOT, 'dashboards', 'prometheus'),
];
for (const from of copies) {
  const to = path.join(DIST, path.relative(ROOT, from));
  mkdirSync(path.dirname(to), { recursive: true });
  cpSync(from, to, { recursive: true });
}
process.stdout.write(`build assets: ${copies.length} copied into dist/\n`);
