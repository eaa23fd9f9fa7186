import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The console's copy of the client library (committed, so the gateway needs no build step) is what the sources build. */
it('gateway/console/office-hours-client.js is the current build of client/src (npm run build:client)', async () => {
  const { consoleBundle } = (await import(path.join(__dirname, '..', 'scripts', 'build-client.mjs'))) as { consoleBundle(): Promise<string> };
  const committed = readFileSync(path.join(__dirname, '..', 'gateway', 'console', 'office-hours-client.js'), 'utf8');
  expect(committed === (await consoleBundle())).toBe(true);
});
