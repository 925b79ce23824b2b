#!/usr/bin/env node
// The installed `fastdata` command: runs the compiled CLI (npm run build, or the package's prepare step).
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv);
