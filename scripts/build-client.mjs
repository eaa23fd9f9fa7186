// npm run build:client — the client library (client/): for apps, an ESM module with its types
// (client/dist/index.mjs, @stomp/stompjs as a peer dependency); for browsers without a bundler, one ESM file
// (client/dist/office-hours-client.mjs) and one IIFE file (global `OfficeHours`), both with @stomp/stompjs
// inside. The IIFE is also committed as gateway/console/office-hours-client.js, so the gateway serves it without
// a build step; test/client-bundle.test.ts checks it is current. `ws` (Node 20 only) stays out of every
// bundle: the library imports it dynamically when there is no global WebSocket.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const entry = path.join(root, 'client', 'src', 'index.ts');
const browser = { entryPoints: [entry], bundle: true, target: 'es2020', minify: true, write: false, legalComments: 'none', external: ['ws'] };

export async function consoleBundle() {
  const out = await build({ ...browser, format: 'iife', globalName: 'OfficeHours' });
  return out.outputFiles[0].text;
}

export async function browserModule() {
  const out = await build({ ...browser, format: 'esm' });
  return out.outputFiles[0].text;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dist = path.join(root, 'client', 'dist');
  await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    target: 'es2020',
    external: ['@stomp/stompjs', 'ws'],
    outfile: path.join(dist, 'index.mjs'),
  });
  execFileSync(
    process.execPath,
    [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(root, 'client', 'tsconfig.json'), '--emitDeclarationOnly'],
    { stdio: 'inherit' },
  );
  const iife = await consoleBundle();
  writeFileSync(path.join(dist, 'office-hours-client.mjs'), await browserModule());
  writeFileSync(path.join(dist, 'office-hours-client.js'), iife);
  writeFileSync(path.join(root, 'gateway', 'console', 'office-hours-client.js'), iife);
  console.log('client/dist (index.mjs, office-hours-client.mjs, office-hours-client.js) and gateway/console/office-hours-client.js written');
}
