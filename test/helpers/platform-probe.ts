// Every call of the Platform interface on the same inputs, printed as one JSON
// object: test/engines.test.ts bundles this, runs it under node and under the
// QuickJS harness, and requires the same output from both (and the values it
// expects). argv: a scratch folder, then words that must come through as given.
import { platform, PlatformError } from '../../src/platform';

const [dir] = platform.argv;
const result: Record<string, unknown> = {};
const attempt = (fn: () => unknown) => {
  try {
    return { value: fn() ?? null };
  } catch (e) {
    return { error: e instanceof PlatformError ? [e.code, e.message] : String(e) };
  }
};
const bytes = (b: Uint8Array) => Array.from(b);

result.argv = platform.argv.slice(1);
result.env = [platform.env('PROBE_VAR'), platform.env('PROBE_UNSET') ?? null];
result.cwd = platform.cwd() === dir;
result.pid = platform.pid > 1 && platform.alive(platform.pid);
result.deadPid = platform.alive(2 ** 22 + 1);

const text = 'aé€😀\ud800x\n';
platform.writeFile(`${dir}/t.txt`, text, 0o600);
result.utf8 = bytes(platform.readBytes(`${dir}/t.txt`));
result.text = platform.readText(`${dir}/t.txt`) === text.replace('\ud800', '\ufffd');
platform.writeFile(`${dir}/b.bin`, new Uint8Array([0, 255, 10, 128]), 0o644);
result.binary = bytes(platform.readBytes(`${dir}/b.bin`));
result.big = attempt(() => {
  platform.writeFile(`${dir}/big`, 'x'.repeat(200_000), 0o644);
  return platform.readBytes(`${dir}/big`).length;
});
platform.writeFile(`${dir}/t.txt`, 'short', 0o644);
result.truncated = platform.readText(`${dir}/t.txt`);

platform.mkdirp(`${dir}/a/b/c`);
platform.mkdirp(`${dir}/a/b`);
platform.symlink('t.txt', `${dir}/link`);
result.stat = ['t.txt', 'a', 'link', 'missing'].map((n) => {
  const s = platform.stat(`${dir}/${n}`);
  return s && [s.kind, s.mode.toString(8), s.kind === 'file' ? s.size : -1];
});
result.readdir = platform
  .readdir(dir)
  .map((e) => `${e.name}:${e.kind}`)
  .sort();
result.readlink = platform.readlink(`${dir}/link`);

result.errors = {
  readMissing: attempt(() => platform.readText(`${dir}/missing`)),
  readFolder: attempt(() => platform.readText(`${dir}/a`)),
  readBytesMissing: attempt(() => platform.readBytes(`${dir}/missing`)),
  renameMissing: attempt(() => platform.rename(`${dir}/missing`, `${dir}/x`)),
  removeMissing: attempt(() => platform.remove(`${dir}/missing`)),
  linkExists: attempt(() => platform.symlink('1', `${dir}/link`)),
  writeIntoFile: attempt(() => platform.writeFile(`${dir}/t.txt/x`, 'x', 0o644)),
  mkdirOverFile: attempt(() => platform.mkdirp(`${dir}/t.txt`)),
  readdirMissing: attempt(() => platform.readdir(`${dir}/missing`)),
  readlinkMissing: attempt(() => platform.readlink(`${dir}/missing`)),
};
platform.rename(`${dir}/b.bin`, `${dir}/a/b.bin`);
platform.remove(`${dir}/big`);
result.after = platform
  .readdir(dir)
  .map((e) => e.name)
  .sort();
result.flush = attempt(() => platform.flush([`${dir}/a/b.bin`, `${dir}/a`]));

result.exec = [
  platform.exec(['sh', '-c', 'cat; printf "é\\n" >&2; exit 3'], { stdin: 'in put\n' }),
  platform.exec(['sh', '-c', 'test -t 0 || read x || echo "empty stdin"']),
  platform.exec(['sh', '-c', 'kill -9 $$']),
  platform.exec(['netboot-no-such-program']),
  platform.exec(['sh', '-c', 'head -c 300000 /dev/zero | tr "\\0" y']).stdout.length,
];
result.execTemps = platform.readdir('/tmp').filter((e) => e.name.startsWith(`.netboot-exec-${platform.pid}-`)).length;

const t0 = platform.now();
platform.sleep(30).then(() => {
  result.slept = platform.now() - t0 >= 25;
  platform.write('stdout', JSON.stringify(result));
  platform.write('stderr', 'to stderr\n');
  platform.exit(5);
});
