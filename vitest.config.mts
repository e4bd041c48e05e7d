import { svelte } from '@sveltejs/vite-plugin-svelte'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  // Compiles the renderer's rune classes (*.svelte.ts) so tests run them as the app does.
  plugins: [svelte({ configFile: false })],
  test: {
    include: ['tests/**/*.test.ts'],
    // Device and model tests spawn real processes (PulseAudio, socat, python); give them room.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Tests that spawn bin/ausculta.js run the CLI from the sources, never from a stale build
    // (tests/main/cli/built-cli.test.ts runs the build itself).
    env: { AUSCULTA_CLI_FROM_SOURCE: '1' },
    reporters: ['default'],
  },
})
