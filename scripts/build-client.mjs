// npm run build:client — the client library (client/): an ESM bundle with its types for apps
// (client/dist), and the browser bundle the web console loads (gateway/console/office-hours-client.js,
// committed so the gateway serves it without a build step; test/client-bundle.test.ts checks it is current).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const entry = path.join(root, 'client', 'src', 'index.ts');

export async function consoleBundle() {
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'iife',
    globalName: 'OfficeHours',
    target: 'es2020',
    minify: true,
    write: false,
    legalComments: 'none',
  });
  return out.outputFiles[0].text;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    target: 'es2020',
    external: ['@stomp/stompjs'],
    outfile: path.join(root, 'client', 'dist', 'index.mjs'),
  });
  execFileSync(
    process.execPath,
    [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(root, 'client', 'tsconfig.json'), '--emitDeclarationOnly'],
    { stdio: 'inherit' },
  );
  writeFileSync(path.join(root, 'gateway', 'console', 'office-hours-client.js'), await consoleBundle());
  console.log('client/dist and gateway/console/office-hours-client.js written');
}
