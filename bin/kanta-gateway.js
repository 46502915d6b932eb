#!/usr/bin/env node
// Runs the TypeScript sources through tsx (no build step); worker threads inherit the loader.
// Exits explicitly once the command has finished its own cleanup, so a library handle left open
// (e.g. a Redis reconnect timer) cannot keep a stopped gateway alive.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../gateway/cli.ts');
process.exit(await main(process.argv.slice(2)));
