import { defineConfig } from 'vitest/config';

// The boot lab: real dnsmasq, tgt and QEMU in a private network namespace (Linux, root).
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    testTimeout: 300000,
    hookTimeout: 120000,
    fileParallelism: false,
  },
});
