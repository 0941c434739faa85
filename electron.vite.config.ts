/**
 * electron-vite 6 build: main (shell + backend host), preload (CommonJS, as sandboxed preloads must
 * be) and the renderer (root renderer/, minified, vendor code split out). Building needs no Electron
 * binary, so `npm run build` works on CI and offline machines.
 */
import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

const root = import.meta.dirname;

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
    plugins: [react()],
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
