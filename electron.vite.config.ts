/**
 * electron-vite 6 build: main (shell, backend host and the `fleetpane` command), preload (CommonJS, as sandboxed preloads must
 * be) and the renderer (root renderer/, minified, vendor code split out). Building needs no Electron
 * binary, so `npm run build` works on CI and offline machines.
 */
import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';
import { CONTENT_SECURITY_POLICY } from './electron/backend/server/security-headers';

const root = import.meta.dirname;

/**
 * Puts the CSP into the built index.html too. Serve mode and the Electron session send it as a
 * header; a file:// page may get no response headers, and the meta tag covers that case.
 * frame-ancestors is dropped here because browsers ignore (and warn about) it in a meta tag.
 * Build only: the dev server injects inline scripts for hot reload.
 */
function cspMetaTag(): Plugin {
  const policy = CONTENT_SECURITY_POLICY.split('; ')
    .filter((directive) => !directive.startsWith('frame-ancestors'))
    .join('; ');
  return {
    name: 'fleetpane-csp-meta',
    apply: 'build',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: policy }, injectTo: 'head-prepend' }],
  };
}

export default defineConfig({
  main: {
    build: {
      outDir: resolve(root, 'out/main'),
      // Dependencies (DuckDB's native binding, provider SDKs) load from node_modules at run time.
      externalizeDeps: true,
      rollupOptions: {
        input: {
          index: resolve(root, 'electron/main/index.ts'),
          'backend-host': resolve(root, 'electron/main/backend-host.ts'),
          // The `fleetpane` command (bin/fleetpane.js runs this build when it is up to date).
          cli: resolve(root, 'electron/backend/cli.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: resolve(root, 'out/preload'),
      // A sandboxed preload cannot require() node_modules: bundle zod and the contract into it.
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve(root, 'electron/preload/index.ts') },
        external: ['electron'],
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'renderer'),
    plugins: [react(), cspMetaTag()],
    build: {
      outDir: resolve(root, 'out/renderer'),
      emptyOutDir: true,
      minify: true,
      rollupOptions: {
        input: { index: resolve(root, 'renderer/index.html') },
        output: {
          // React and the charting stack change rarely and are large: separate chunks cache well.
          manualChunks(id: string): string | null {
            if (!id.includes('node_modules')) return null;
            if (/node_modules[\\/](react|react-dom|scheduler)[\\/]/.test(id)) return 'react';
            if (/node_modules[\\/](recharts|d3-[^\\/]+|victory-vendor|internmap|decimal\.js-light)[\\/]/.test(id)) return 'recharts';
            if (/node_modules[\\/]@tanstack[\\/]/.test(id)) return 'tanstack';
            if (/node_modules[\\/]zod[\\/]/.test(id)) return 'zod';
            return 'vendor';
          },
        },
      },
    },
  },
});
