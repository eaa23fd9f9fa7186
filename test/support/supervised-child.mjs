// A stand-in role for test/unit/role-supervisor.test.ts. `steady`: logs its ready line and exits 0 on
// SIGTERM, like a role that drains; `crashing`: exits 3 at once; `stubborn`: ready, and ignores SIGTERM.
import { setInterval } from 'node:timers';

const mode = process.argv[2];
if (mode === 'crashing') process.exit(3);
process.on('SIGTERM', () => {
  if (mode === 'steady') process.exit(0);
});
setInterval(() => undefined, 60_000);
process.stdout.write(`${JSON.stringify({ msg: `${mode} ready`, pid: process.pid })}\n`);
