#!/usr/bin/env node
// The `mayfly` command: runs the built CLI (npm run build first).
import '../dist/src/cli/main.js';

// Once nothing is left to do (the event loop is empty), exit at once: Node's
// own teardown of the heap and the environment would add tens of milliseconds
// to every command. Only here, in the command: tests import main.js itself.
process.once('beforeExit', () => process.exit());
