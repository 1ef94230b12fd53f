// `npm run bench` on a fresh clone: the files git would commit, no .cache (so no
// node 18 fetched by the unit tests) and no dist. The bench's core must load
// there: it bundles test helpers, and nothing they pull in may need what only
// the unit tests set up.

import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, expect, it } from 'vitest';

const REPO = join(__dirname, '..');
const clone = mkdtempSync(join(tmpdir(), 'netboot-clone-'));
afterAll(() => rmSync(clone, { recursive: true, force: true }));

it('loads the bench core in a fresh clone, fetching nothing', () => {
  for (const file of execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO, encoding: 'utf8' }).split('\0').filter(Boolean)) {
    if (!existsSync(join(REPO, file))) continue; // deleted in the work tree
    mkdirSync(dirname(join(clone, file)), { recursive: true });
    cpSync(join(REPO, file), join(clone, file));
  }
  symlinkSync(join(REPO, 'node_modules'), join(clone, 'node_modules'));
  const exports = execFileSync(
    process.execPath,
    ['--input-type=module', '-e', "const core = await (await import('./scripts/bench-core.mjs')).loadBenchCore(); console.log(Object.keys(core).sort().join(' '))"],
    { cwd: clone, encoding: 'utf8', env: { ...process.env, OWRT_PREFIX: '' } },
  );
  expect(exports.trim()).toBe('benchIscsi benchPlugin benchRender benchUbus configWith default');
  expect(readdirSync(join(clone, '.cache'))).toEqual(['bench-core.cjs']);
}, 60_000);
