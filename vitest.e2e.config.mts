import { defineConfig } from 'vitest/config';
import { platformUnderVitest } from './test/helpers/vitest-platform';

// The boot lab: real dnsmasq, tgt and QEMU in a private network namespace (Linux, root).
// The lab's helpers import src/ (the UCI reader, the platform), so they need the same plugin.
export default defineConfig({
  plugins: [platformUnderVitest],
  test: {
    include: ['test/e2e/**/*.test.ts'],
    testTimeout: 300000,
    hookTimeout: 120000,
    fileParallelism: false,
  },
});
