#!/usr/bin/env node
// Runs the TypeScript sources through tsx (no build step); worker threads inherit the loader.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../gateway/cli.ts');
process.exitCode = await main(process.argv.slice(2));
