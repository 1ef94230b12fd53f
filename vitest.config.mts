import { defineConfig } from 'vitest/config';
import { platformUnderVitest } from './test/helpers/vitest-platform';

export default defineConfig({
  plugins: [platformUnderVitest],
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**'],
    testTimeout: 20000,
  },
});
