// Comments and docs that point at a test or a source file name one that
// exists: a reader following a `test/…` or `src/…` path must find it.

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const REPO = join(__dirname, '..');
// A path as written in prose: test/… or src/…, not part of a longer path or URL.
const REFERENCE = /(?<![\w./-])((?:test|src)\/[\w./-]*[\w-])/g;
// How a reference may leave out the extension.
const ENDINGS = ['', '.ts', '.test.ts', '.mjs'];

it('every test/… and src/… path named in the repository exists', () => {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO, encoding: 'utf8' })
    .split('\0')
    .filter((f) => f && !/^test\/(e2e\/)?fixtures\/|\.(png|bin|lmo)$|package-lock\.json$/.test(f) && existsSync(join(REPO, f)));
  const missing: string[] = [];
  for (const file of files) {
    for (const [, ref] of readFileSync(join(REPO, file), 'utf8').matchAll(REFERENCE)) {
      if (!ENDINGS.some((e) => existsSync(join(REPO, ref + e)))) missing.push(`${file}: ${ref}`);
    }
  }
  expect(missing).toEqual([]);
});
