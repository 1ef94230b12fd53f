import type { Plugin } from 'vitest/config';

/**
 * src/platform/index.ts reaches the node side with require() so that esbuild
 * initialises it lazily and qjs never meets node's modules (docs/engines.md).
 * vitest runs src as ES modules, which have no require: there it is an import.
 */
export const platformUnderVitest: Plugin = {
  name: 'netboot-platform-require',
  transform(code, id) {
    if (!id.endsWith('/src/platform/index.ts')) return undefined;
    return `import * as nodeSide from './node';\n${code.replace(/require\((['"])\.\/node\1\)/, 'nodeSide')}`;
  },
};
