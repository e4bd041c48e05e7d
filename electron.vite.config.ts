import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import { svelte } from '@sveltejs/vite-plugin-svelte'

export default defineConfig({
  main: {
    build: {
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'src/main/index.ts'),
          // The inference worker is its own file: worker_threads loads it by path.
          'inference-worker': resolve(__dirname, 'src/main/engine/inference-worker.ts'),
          // So is the session audio worker (ranges and peak overviews of recordings for the library).
          'session-audio-worker': resolve(__dirname, 'src/main/sessions/session-audio-worker.ts'),
          // And the sharing worker (a session's DICOM object, filing a fetched one: docs/sharing.md).
          'sharing-worker': resolve(__dirname, 'src/main/sharing/sharing-worker.ts'),
          // The command line (bin/ausculta.js runs it): `npx ausculta` needs no TypeScript at run time.
          cli: resolve(__dirname, 'src/main/cli/main.ts'),
        },
        // Shared chunks sit beside the entries, not in chunks/: code that finds files next to
        // itself (the workers, the audio addon, app-root) then has the same __dirname everywhere.
        output: { chunkFileNames: '[name]-[hash].js' },
        // Native and WASM-bearing packages load from node_modules at run time, never bundled.
        external: ['onnxruntime-node', 'serialport', 'node-hid', 'ws'],
      },
    },
  },
  preload: {
    build: {
      // A sandboxed preload cannot require() packages: bundle zod (the contract's validator) into it.
      externalizeDeps: { exclude: ['zod'] },
      rollupOptions: {
        input: { index: resolve(__dirname, 'src/preload/index.ts') },
        // A sandboxed preload must be a single CommonJS file.
        output: { format: 'cjs' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    build: {
      rollupOptions: { input: { index: resolve(__dirname, 'src/renderer/index.html') } },
    },
    plugins: [svelte()],
  },
})
