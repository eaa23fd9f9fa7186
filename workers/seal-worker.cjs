// Piscina worker thread entry: threads do not inherit tsx's loader, so register it here, then run the
// TypeScript task module. Plain CommonJS on purpose: this file is loaded before any TypeScript support.
require('tsx/cjs');
const { runSealTask } = require('../lib/archive/seal-task.ts');

module.exports = (task) => runSealTask(task);
