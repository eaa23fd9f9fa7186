// Piscina worker thread entry, plain CommonJS so it loads before any TypeScript support. In the compiled
// build (dist/) the task module is JavaScript next to it; from source, threads do not inherit tsx's
// loader, so it is registered here first.
const { existsSync } = require('node:fs');
const path = require('node:path');

const compiled = path.join(__dirname, '..', 'lib', 'archive', 'seal-task.js');
let task;
if (existsSync(compiled)) task = require(compiled);
else {
  require('tsx/cjs');
  task = require('../lib/archive/seal-task.ts');
}

module.exports = (input) => task.runSealTask(input);
