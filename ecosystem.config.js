// PM2 production layout: `pm2 start ecosystem.config.js` (see docs/operations.md).
// uWebSockets.js does not work under PM2's cluster mode: gateways run in fork mode and share PORT
// through SO_REUSEPORT (the kernel spreads connections). Each instance gets its own metrics port.
const GATEWAYS = Number(process.env.OH_GATEWAY_INSTANCES || 2);
const WORKERS = Number(process.env.OH_WORKER_INSTANCES || 2);

// Production runs the compiled build (`npm run build` → dist/, JavaScript with source maps): no TypeScript
// loader on the production path. V8 flags per role come from lib/runtime/role-node-flags.json (see
// docs/benchmarks.md for why the gateway's).
const path = require('node:path');
const { existsSync } = require('node:fs');
const ROLE_NODE_FLAGS = require('./lib/runtime/role-node-flags.json');
const built = (entry) => {
  const script = path.join('dist', entry.replace(/\.ts$/, '.js'));
  if (!existsSync(path.join(__dirname, script))) throw new Error(`${script} is missing: run \`npm run build\` first`);
  return script;
};
const role = (entry) => ({ script: built(entry), node_args: [...ROLE_NODE_FLAGS[entry], '--enable-source-maps'].join(' ') });

const common = {
  exec_mode: 'fork',
  interpreter: 'node',
  cwd: __dirname,
  merge_logs: true,
  time: false,
  env: { NODE_ENV: process.env.NODE_ENV || 'production', LOG_PRETTY: '0' },
};

module.exports = {
  apps: [
    {
      ...common,
      name: 'oh-gateway',
      ...role('gateway/main.ts'),
      instances: GATEWAYS,
      // Per-instance scrape target: 9200, 9201, …
      increment_var: 'GATEWAY_METRICS_PORT',
      env: { ...common.env, GATEWAY_METRICS_PORT: Number(process.env.GATEWAY_METRICS_PORT || 9200) },
      // SIGINT → drain: stop accepting, finish in-flight sends, tell clients to reconnect.
      kill_timeout: 15000,
    },
    {
      ...common,
      name: 'oh-workers',
      ...role('workers/main.ts'),
      instances: WORKERS,
      increment_var: 'WORKER_METRICS_PORT',
      env: { ...common.env, WORKER_METRICS_PORT: Number(process.env.WORKER_METRICS_PORT || 9101) },
      // Let active jobs finish; BullMQ re-runs any a hard kill interrupts.
      kill_timeout: 30000,
    },
    {
      ...common,
      name: 'oh-dashboards',
      ...role('dashboards/main.ts'),
      instances: 1,
    },
  ],
};
