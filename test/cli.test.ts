import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTree } from '../src/fs/tree';
import { ANON_TARGET, BASE, LUCI_SHAPED, withOption } from './helpers/config';
import { BUNDLE, makeRoot, netboot, NODES } from './helpers/bundle';

const tftp = (root: string) => join(root, 'srv/tftp');

describe.each(NODES)('the bundle under %s', (_, node) => {
  const nb = (...args: string[]) => netboot(args, node);

  it('prints its version and help with nothing on stderr (no deprecation warnings)', () => {
    const v = nb('--version');
    expect(v).toMatchObject({ status: 0, stderr: '' });
    expect(v.stdout).toMatch(/^netboot \d+\.\d+\.\d+\n$/);
    expect(nb('--help').stdout).toContain('Usage: netboot [--root DIR] COMMAND');
  });

  it('exits 2 on usage errors', () => {
    expect(nb('frobnicate').status).toBe(2);
    expect(nb().status).toBe(2);
    expect(nb('--root').status).toBe(2);
    expect(nb('validate', '--bogus').stderr).toContain('unknown option --bogus');
  });

  it('validates, plans and renders; a second render rewrites nothing', () => {
    const root = makeRoot({ netboot: BASE });
    expect(nb('--root', root, 'validate')).toMatchObject({ status: 0, stderr: '' });
    const plan = JSON.parse(nb('--root', root, 'plan', '--json').stdout);
    expect(plan.files.map((f: { action: string }) => f.action)).toEqual(Array(8).fill('create'));
    const r = nb('--root', root, 'render');
    expect(r).toMatchObject({ status: 0, stderr: '' });
    const menu = join(tftp(root), 'netboot/menu.ipxe');
    const before = statSync(menu);
    expect(before.mode & 0o777).toBe(0o644);
    const again = nb('--root', root, 'render');
    expect(again.stdout).toContain('up to date');
    const after = statSync(menu);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    const status = JSON.parse(nb('--root', root, 'status', '--json').stdout);
    expect(status).toMatchObject({ valid: true, enabled: true, files_current: true, tftp_root: '/srv/tftp' });
  });

  it('removes the files of deleted hosts, and everything when disabled', () => {
    const two = `${BASE}\nconfig host 'pc2'\n\toption mac '52:54:00:00:00:02'\n`;
    const root = makeRoot({ netboot: two });
    nb('--root', root, 'render');
    expect(existsSync(join(tftp(root), 'netboot/hosts/52-54-00-00-00-02.ipxe'))).toBe(true);
    writeFileSync(join(root, 'etc/config/netboot'), BASE);
    expect(nb('--root', root, 'render').stdout).toContain('- netboot/hosts/52-54-00-00-00-02.ipxe (remove)');
    expect(readdirSync(join(tftp(root), 'netboot/hosts'))).toEqual(['52-54-00-00-00-01.ipxe']);
    writeFileSync(join(root, 'etc/config/netboot'), withOption('main', 'enabled', '0'));
    nb('--root', root, 'render');
    expect(readTree(join(tftp(root), 'netboot')).size).toBe(0);
  });

  it('refuses an invalid config with exit 1, names the option, and writes nothing', () => {
    const root = makeRoot({ netboot: BASE });
    nb('--root', root, 'render');
    const before = readTree(tftp(root));
    writeFileSync(join(root, 'etc/config/netboot'), withOption('disk1', 'lun', 'one', withOption('pc2', 'mac', 'x', `${BASE}\nconfig host 'pc2'\n`)));
    const r = nb('--root', root, 'render');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('error: netboot.disk1.lun: "one" is not allowed; use a LUN: a whole number from 0 to 65535');
    expect(r.stderr).toContain('error: netboot.pc2.mac: "x" is not allowed; use a MAC address like 52:54:00:12:34:56');
    expect(r.stderr).toContain('nothing was written');
    expect(readTree(tftp(root))).toEqual(before);
    expect(JSON.parse(nb('--root', root, 'validate', '--json').stdout).errors).toHaveLength(2);
  });

  it('runs every command on anonymous hosts, targets and installers', () => {
    const root = makeRoot({ netboot: LUCI_SHAPED });
    const ok = { status: 0, stderr: '' };
    expect(nb('--root', root, 'validate')).toMatchObject({ ...ok, stdout: expect.stringContaining('3 targets, 2 installers, 3 hosts') });
    expect(JSON.parse(nb('--root', root, 'plan', '--json').stdout).files).toContainEqual({ path: 'netboot/hosts/52-54-00-12-34-57.ipxe', action: 'create' });
    expect(nb('--root', root, 'render')).toMatchObject(ok);
    expect(readFileSync(join(tftp(root), 'netboot/hosts/52-54-00-12-34-57.ipxe'), 'utf8')).toContain(`set nb-target ${ANON_TARGET}\n`);
    expect(nb('--root', root, 'apply')).toMatchObject(ok);
    const status = nb('--root', root, 'status', '--json');
    expect(status).toMatchObject(ok);
    expect(JSON.parse(status.stdout)).toMatchObject({ valid: true, files_current: true });
    const preview = nb('--root', root, 'preview', '52:54:00:12:34:58');
    expect(preview).toMatchObject(ok);
    expect(preview.stdout).toContain('# host @host[2] 52:54:00:12:34:58');
  });

  it('reports a UCI syntax error with its line, and a missing config', () => {
    const root = makeRoot({ netboot: "config netboot 'main'\n\toption enabled '1\n" });
    const r = nb('--root', root, 'validate');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/etc\/config\/netboot line \d+/);
    expect(nb('--root', makeRoot({}), 'validate').stderr).toContain('etc/config/netboot does not exist');
  });
});

describe('atomic writes', () => {
  it('a render killed at any moment leaves every file old or new, never torn', async () => {
    // Old and new differ in every file: the title in the menu, the target of each host.
    const hosts = (n: number, title: string, flip: number) =>
      withOption('disk1', 'title', title, BASE) +
      Array.from({ length: n }, (_, i) => `\nconfig host 'h${i}'\n\toption mac '02:00:00:00:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}'\n\toption target 'disk${1 + ((i + flip) % 2)}'\n\toption action 'boot'\n`).join('');
    const root = makeRoot({ netboot: hosts(3000, 'Old title', 0) });
    expect(netboot(['--root', root, 'render']).status).toBe(0);
    const old = readTree(tftp(root));
    writeFileSync(join(root, 'etc/config/netboot'), hosts(3000, 'New title', 1));
    // What a full render produces, computed in a copy.
    const ref = makeRoot({ netboot: hosts(3000, 'New title', 1) });
    netboot(['--root', ref, 'render']);
    const next = readTree(tftp(ref));
    expect(next.get('netboot/menu.ipxe')).not.toBe(old.get('netboot/menu.ipxe'));

    let killedMidway = 0;
    for (const delay of [60, 90, 120, 150, 180, 210, 240, 300]) {
      const child = spawn(process.execPath, [BUNDLE, '--root', root, 'render'], { stdio: 'ignore' });
      await new Promise((r) => setTimeout(r, delay));
      child.kill('SIGKILL');
      await new Promise((r) => child.on('exit', r));
      const now = readTree(tftp(root));
      for (const [path, text] of now) {
        if (path.includes('.netboot-tmp-')) continue; // an unfinished temp file is not a served file
        expect(text === old.get(path) || text === next.get(path), path).toBe(true);
      }
      const served = [...now].filter(([p]) => !p.includes('.netboot-tmp-'));
      if (served.some(([p, t]) => t === next.get(p)) && served.some(([p, t]) => t !== next.get(p))) killedMidway++;
    }
    expect(killedMidway).toBeGreaterThan(0); // the kills really hit half-written trees
    expect(netboot(['--root', root, 'render']).status).toBe(0);
    const done = readTree(tftp(root));
    expect([...done.keys()].filter((p) => p.includes('.netboot-tmp-'))).toEqual([]);
    expect([...done].filter(([p, t]) => next.get(p) !== t).map(([p]) => p)).toEqual([]);
    expect(done.size).toBe(next.size);
    expect(readFileSync(join(tftp(root), 'netboot/menu.ipxe'), 'utf8')).toContain('New title');
    console.log(`atomic render: ${killedMidway} of 8 kills landed mid-render`);
    // Eleven renders of 3,000 hosts with an fsync per file: about 30 s on an idle 2-core machine, twice that under load.
  }, 180000);
});
