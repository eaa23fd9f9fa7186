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

const { move } = require('piscina');

// The sealed body is moved back to the main thread, not copied. A small Buffer may sit in Node's shared
// pool, whose ArrayBuffer must not be transferred: such a body is copied into one of its own first.
module.exports = (input) => {
  const { body } = task.runSealTask(input);
  const own = body.byteOffset === 0 && body.buffer.byteLength === body.length ? body : Uint8Array.prototype.slice.call(body);
  return move(own);
};
