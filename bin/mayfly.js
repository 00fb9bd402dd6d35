#!/usr/bin/env node
// The `mayfly` command: runs the built CLI (npm run build first).
import '../dist/src/cli/main.js';
