#!/usr/bin/env node
// The `fleetpane` command. The CLI is TypeScript run from source: register tsx, then load it.
import { register } from 'tsx/esm/api';

// Everything the command creates (store, WAL, spill and temp files, tokens, reports) is the user's
// alone: the store holds the fleet's inventory and spend.
process.umask(0o077);
register();
const { main } = await import('../electron/backend/cli.ts');
const code = await main(process.argv.slice(2));
// Native handles (DuckDB) may outlive the command; the exit code is the command's answer.
process.exit(code);
