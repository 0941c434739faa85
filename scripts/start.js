#!/usr/bin/env node
// `npm start`: the desktop app when Electron's binary is installed; otherwise says why not and how to
// get it, then starts serve mode on the same data so the console is still one browser tab away.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { electronBinary } from './electron-binary.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const MISSING_ELECTRON = [
  "Electron's binary is not installed: the electron package downloads it from its install script,",
  'and that did not happen here (offline, a proxy in the way, or npm install scripts blocked).',
  'To get the desktop app, run `node node_modules/electron/install.js` (or `npm rebuild electron`) with',
  'network access, or point ELECTRON_OVERRIDE_DIST_PATH at an unpacked Electron.',
  'Starting serve mode instead: open the URL below in your browser.',
].join(' ');

function run(command, args, options = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: 'inherit', ...options });
    const forward = (signal) => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? (signal ? 0 : 1));
    });
  });
}

function build() {
  return run(process.execPath, [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build']);
}

async function main() {
  const extraArgs = process.argv.slice(2);
  const electron = electronBinary().path;
  if (electron !== null) {
    const built = await build();
    if (built !== 0) return built;
    return run(electron, [root, ...extraArgs]);
  }

  process.stderr.write(`${MISSING_ELECTRON}\n`);
  // Always rebuild (about a second): a renderer left from an older checkout would not match the backend.
  const built = await build();
  if (built !== 0) return built;
  // The desktop app's defaults: the config file in the user data folder, else the demo fleet.
  const { register } = await import('tsx/esm/api');
  register();
  const { defaultConfigPath } = await import('../electron/backend/paths.ts');
  const given = extraArgs.includes('--config') || extraArgs.includes('--demo');
  const configFile = defaultConfigPath();
  const configArgs = given ? [] : existsSync(configFile) ? ['--config', configFile] : ['--demo'];
  return run(process.execPath, [join(root, 'bin', 'fleetpane.js'), 'serve', ...configArgs, ...extraArgs]);
}

process.exitCode = await main();
