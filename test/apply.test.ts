import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DHCP_SCRIPT } from '../src/dhcp/desired';
import { readTree } from '../src/fs/tree';
import { parseUci, type UciPackage } from '../src/uci';
import { BASE, withOption } from './helpers/config';
import { BUNDLE, makeRoot, netboot } from './helpers/bundle';
import { translateDhcp } from './e2e/lab/uci-dhcp';

// dnsmasq --test needs dnsmasq (Debian: dnsmasq-base); CI installs it and must not skip.
const DNSMASQ = spawnSync('dnsmasq', ['--version']).status === 0;
if (!DNSMASQ && process.env.CI) throw new Error('dnsmasq is missing: test/e2e/install-deps.sh installs it');

const CORPUS = ['openwrt-23.05', 'openwrt-24.10', 'user-boot', 'static-leases'].map(
  (name) => [name, readFileSync(resolve(__dirname, 'fixtures/dhcp', name), 'utf8')] as const,
);
const dhcpOf = (root: string) => readFileSync(join(root, 'etc/config/dhcp'), 'utf8');
const tftpOf = (root: string) => readTree(join(root, 'srv/tftp'));

/** Each section's own text, by name; netboot's own and the dnsmasq section left out. */
function foreignSections(text: string): Map<string, string> {
  const pkg = parseUci(text, 'dhcp');
  return new Map(pkg.sections.filter((s) => !s.name.startsWith('netboot_') && s.type !== 'dnsmasq').map((s) => [s.name, s.span ? text.slice(s.span.start, s.span.end) : JSON.stringify([...s.options])]));
}

const section = (pkg: UciPackage, name: string) => pkg.sections.find((s) => s.name === name);

describe.each(CORPUS)('apply on the %s dhcp config', (_, original) => {
  it('adds netboot_* sections, sets TFTP, and leaves every other section byte-identical', () => {
    const root = makeRoot({ netboot: BASE, dhcp: original });
    const r = netboot(['--root', root, 'apply']);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('error'))).toEqual([]);
    expect(r.status).toBe(0);
    const after = dhcpOf(root);
    expect(foreignSections(after)).toEqual(foreignSections(original));
    const pkg = parseUci(after, 'dhcp');
    const dnsmasq = pkg.sections.find((s) => s.type === 'dnsmasq')!;
    // netboot's TFTP root defaults to the one dnsmasq already has.
    const tftpRoot = (parseUci(original, 'dhcp').sections.find((s) => s.type === 'dnsmasq')!.options.get('tftp_root') as string) ?? '/srv/tftp';
    expect(dnsmasq.options.get('enable_tftp')).toBe('1');
    expect(dnsmasq.options.get('tftp_root')).toBe(tftpRoot);
    expect(dnsmasq.options.get('dhcpscript')).toBe(DHCP_SCRIPT);
    // Every other dnsmasq option as it was.
    const before = parseUci(original, 'dhcp').sections.find((s) => s.type === 'dnsmasq')!;
    for (const [k, v] of before.options) if (!['enable_tftp', 'tftp_root', 'dhcpscript'].includes(k)) expect(dnsmasq.options.get(k)).toEqual(v);
    // The iPXE entry is the last boot section.
    expect(pkg.sections.filter((s) => s.type === 'boot').pop()!.name).toBe('netboot_boot_ipxe');
    expect(section(pkg, 'netboot_ipxe')!.options.get('dhcp_option')).toEqual(['encap:175,176,1']);
    expect(existsSync(join(root, tftpRoot, 'netboot/menu.ipxe'))).toBe(true);
  });

  it('a second apply changes nothing and reloads nothing', () => {
    const root = makeRoot({ netboot: BASE, dhcp: original });
    netboot(['--root', root, 'apply']);
    const dhcpStat = statSync(join(root, 'etc/config/dhcp'));
    const r = netboot(['--root', root, 'apply', '--json']);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, files_changed: 0, dhcp_changed: 0, reloaded: false });
    expect(statSync(join(root, 'etc/config/dhcp')).mtimeMs).toBe(dhcpStat.mtimeMs);
  });

  it('disable removes exactly what apply added: the dhcp file is byte-identical to the original', () => {
    const root = makeRoot({ netboot: BASE, dhcp: original });
    netboot(['--root', root, 'apply']);
    const r = netboot(['--root', root, 'disable']);
    expect(r.status).toBe(0);
    expect(dhcpOf(root)).toBe(original);
    expect(readTree(join(root, 'srv/tftp/netboot')).size + readTree(join(root, 'mnt/sda1/tftp/netboot')).size).toBe(0);
  });

  it.skipIf(!DNSMASQ)(`the dnsmasq options derived from it pass dnsmasq --test (24.10 and 23.05 forms)${DNSMASQ ? '' : ' (skipped: dnsmasq is not installed)'}`, () => {
    const root = makeRoot({ netboot: withOption('main', 'http_url', 'http://192.168.1.1/netboot/'), dhcp: original });
    netboot(['--root', root, 'apply']);
    // The boot lab's translation of dnsmasq.init; 23.05 writes net: where 24.10 writes tag:.
    const lines2410 = translateDhcp(dhcpOf(root), (p) => p);
    for (const [release, lines] of [
      ['24.10', lines2410],
      ['23.05', lines2410.map((l) => l.replace(/^dhcp-boot=tag:/, 'dhcp-boot=net:'))],
    ] as const) {
      expect(lines).toEqual(expect.arrayContaining(['enable-tftp', 'dhcp-script=/usr/lib/dnsmasq/dhcp-script.sh', 'dhcp-userclass=set:netboot_ipxe,iPXE', 'dhcp-option=netboot_ipxe,encap:175,176,1']));
      const conf = join(root, `dnsmasq-${release}.conf`);
      writeFileSync(conf, `port=0\n${lines.join('\n')}\n`);
      const t = spawnSync('dnsmasq', ['--test', '-C', conf], { encoding: 'utf8' });
      expect(t.stderr.trim(), lines.join('\n')).toMatch(/syntax check OK/);
      expect(t.status).toBe(0);
    }
  });
});

// The package's removal runs `netboot disable` (Makefile prerm, `|| true`): it must
// hand dnsmasq back whatever /etc/config/netboot holds by then (issue 10, item 5).
describe.each([
  ['a MAC that is not one', withOption('pc1', 'mac', '52:54:00:zz:00:01')],
  ['an empty file', ''],
  ['text uci cannot parse', "config netboot 'main\n"],
  ['no file at all', null],
])('disable with %s in /etc/config/netboot', (_, broken) => {
  it.each([CORPUS[1], CORPUS[2]])('on the %s dhcp config: every netboot section, option and file is gone', (_, original) => {
    // Its own TFTP root, so disable must find the files where apply put them.
    const root = makeRoot({ netboot: withOption('main', 'tftp_root', '/mnt/sda1/boot'), dhcp: original });
    expect(netboot(['--root', root, 'apply']).status).toBe(0);
    expect(readTree(join(root, 'mnt/sda1/boot/netboot')).size).toBeGreaterThan(0);
    if (broken === null) rmSync(join(root, 'etc/config/netboot'));
    else writeFileSync(join(root, 'etc/config/netboot'), broken);
    const r = netboot(['--root', root, 'disable']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(dhcpOf(root)).toBe(original);
    expect(readTree(join(root, 'mnt/sda1/boot/netboot')).size).toBe(0);
    // And again: nothing left to do.
    expect(netboot(['--root', root, 'disable', '--json']).stdout).toContain('"ok": true');
  });
});

it("the package's removal step runs disable, which hands dnsmasq back with a broken config", () => {
  const makefile = readFileSync(resolve(__dirname, '../Makefile'), 'utf8');
  const prerm = /define Package\/netboot\/prerm\n([\s\S]*?)\nendef/.exec(makefile)![1]!.replace(/\$\$/g, '$');
  expect(prerm).toContain('/usr/bin/netboot disable');
  const root = makeRoot({ netboot: BASE, dhcp: CORPUS[1][1] });
  expect(netboot(['--root', root, 'apply']).status).toBe(0);
  writeFileSync(join(root, 'etc/config/netboot'), withOption('pc1', 'mac', 'not-a-mac'));
  // As opkg runs it on a router: not an image build, not an upgrade; `|| true` hides a failure, so check the result.
  const script = prerm.replace('/usr/bin/netboot', `"${process.execPath}" "${BUNDLE}" --root "${root}"`);
  const r = spawnSync('sh', ['-c', script], { encoding: 'utf8', env: { ...process.env, IPKG_INSTROOT: '', PKG_UPGRADE: '0', NODE_OPTIONS: '' } });
  expect(r.stdout).toContain('netboot is disabled');
  expect(dhcpOf(root)).toBe(CORPUS[1][1]);
  expect(tftpOf(root).size).toBe(0);
});

describe('plan and validate say when the user config fights netboot', () => {
  it('names dhcp_boot, the old tftp_root and the user boot entries', () => {
    const root = makeRoot({ netboot: withOption('main', 'tftp_root', '/srv/tftp'), dhcp: CORPUS[2][1] });
    const r = netboot(['--root', root, 'plan']);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('warning: dhcp.@dnsmasq[0].dhcp_boot: "pxelinux.0" is handed to every client');
    expect(r.stderr).toContain('warning: dhcp.@dnsmasq[0].tftp_root: is "/mnt/sda1/tftp" but netboot.main.tftp_root is "/srv/tftp"');
    expect(r.stderr).toContain('warning: dhcp.linux_pxe: your boot entry ("pxelinux.0" for tag lab)');
    expect(r.stdout).toContain("~ dnsmasq @dnsmasq[0].tftp_root: '/mnt/sda1/tftp' -> '/srv/tftp'");
    expect(netboot(['--root', root, 'validate']).stderr).toContain('dhcp.@dnsmasq[0].dhcp_boot');
  });

  it("leaves the user's own dhcpscript alone, says what journeys then need, and disable keeps it", () => {
    const own = CORPUS[1][1].replace("config dnsmasq\n", "config dnsmasq\n\toption dhcpscript '/etc/my-leases.sh'\n");
    expect(own).not.toBe(CORPUS[1][1]);
    const root = makeRoot({ netboot: BASE, dhcp: own });
    const plan = netboot(['--root', root, 'plan']);
    expect(plan.stderr).toContain(
      `warning: dhcp.@dnsmasq[0].dhcpscript: is your own script "/etc/my-leases.sh", so netboot leaves it and sees no boot journeys; to see them, add the line \`. ${DHCP_SCRIPT} "$@"\` to it and \`list addnmount '${DHCP_SCRIPT}'\` to this section (dnsmasq runs in a jail)`,
    );
    expect(plan.stdout).not.toContain('dhcpscript');
    expect(netboot(['--root', root, 'validate']).stderr).toContain('dhcp.@dnsmasq[0].dhcpscript');
    expect(netboot(['--root', root, 'apply']).status).toBe(0);
    const dnsmasq = parseUci(dhcpOf(root), 'dhcp').sections.find((s) => s.type === 'dnsmasq')!;
    expect(dnsmasq.options.get('dhcpscript')).toBe('/etc/my-leases.sh');
    expect(section(parseUci(dhcpOf(root), 'dhcp'), 'netboot_owned')!.options.get('restore')).toEqual(['enable_tftp=', 'tftp_root=']);
    expect(netboot(['--root', root, 'disable']).status).toBe(0);
    expect(dhcpOf(root)).toBe(own);
  });

  it('a dhcpscript set after netboot took it is the user\'s: apply and disable leave it', () => {
    const root = makeRoot({ netboot: BASE, dhcp: CORPUS[1][1] });
    expect(netboot(['--root', root, 'apply']).status).toBe(0);
    writeFileSync(join(root, 'etc/config/dhcp'), dhcpOf(root).replace(`option dhcpscript '${DHCP_SCRIPT}'`, "option dhcpscript '/etc/later.sh'"));
    expect(netboot(['--root', root, 'apply']).status).toBe(0);
    expect(netboot(['--root', root, 'disable']).status).toBe(0);
    const after = parseUci(dhcpOf(root), 'dhcp');
    expect(after.sections.filter((x) => x.name.startsWith('netboot_'))).toEqual([]);
    expect(Object.fromEntries(after.sections.find((x) => x.type === 'dnsmasq')!.options)).toEqual({
      ...Object.fromEntries(parseUci(CORPUS[1][1], 'dhcp').sections.find((x) => x.type === 'dnsmasq')!.options),
      dhcpscript: '/etc/later.sh',
    });
  });

  it("moves netboot's iPXE entry back to the end when a boot section was added after it", () => {
    const root = makeRoot({ netboot: BASE });
    netboot(['--root', root, 'apply']);
    writeFileSync(join(root, 'etc/config/dhcp'), `${dhcpOf(root)}\nconfig boot 'later'\n\toption filename 'x.0'\n\toption networkid 'lab'\n`);
    const plan = JSON.parse(netboot(['--root', root, 'plan', '--json']).stdout);
    expect(plan.dhcp.sections).toEqual([{ name: 'netboot_boot_ipxe', type: 'boot', action: 'move' }]);
    // Also when its content changes at the same time.
    // (A folder that is not the TFTP root's netboot/, so no HTTP Boot entries come with it.)
    writeFileSync(join(root, 'etc/config/netboot'), withOption('main', 'http_url', 'http://192.168.1.1/menus/'));
    expect(JSON.parse(netboot(['--root', root, 'plan', '--json']).stdout).dhcp.sections).toEqual([{ name: 'netboot_boot_ipxe', type: 'boot', action: 'move' }]);
    expect(netboot(['--root', root, 'apply']).status).toBe(0);
    const boots = parseUci(dhcpOf(root), 'dhcp').sections.filter((s) => s.type === 'boot');
    expect(boots.map((s) => s.name).slice(-2)).toEqual(['later', 'netboot_boot_ipxe']);
    expect(boots.at(-1)!.options.get('filename')).toBe('http://192.168.1.1/menus/menu.ipxe');
  });

  it('refuses to apply without a dnsmasq section', () => {
    const root = makeRoot({ netboot: BASE, dhcp: "config dhcp 'lan'\n\toption interface 'lan'\n" });
    const r = netboot(['--root', root, 'apply']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('error: dhcp: no "config dnsmasq" section');
    expect(readTree(join(root, 'srv')).size).toBe(0);
  });
});

describe('a failing or killed apply leaves dhcp and files wholly old or wholly new', () => {
  const OLD = withOption('disk1', 'title', 'Old disk');
  const NEW = `${withOption('disk1', 'title', 'New disk')}\nconfig host 'pc9'\n\toption mac '52:54:00:00:00:09'\n`;
  const prepare = () => {
    const root = makeRoot({ netboot: OLD, dhcp: CORPUS[1][1] });
    expect(netboot(['--root', root, 'apply']).status).toBe(0);
    const old = { dhcp: dhcpOf(root), files: tftpOf(root) };
    writeFileSync(join(root, 'etc/config/netboot'), NEW);
    return { root, old };
  };
  const expected = (() => {
    const ref = makeRoot({ netboot: NEW, dhcp: CORPUS[1][1] });
    netboot(['--root', ref, 'apply']);
    return { dhcp: dhcpOf(ref), files: tftpOf(ref) };
  })();

  it.each(['journal', 'files#1', 'files#2', 'files-done', 'dhcp', 'reload', 'verify'])('killed at %s: the next apply puts it back; readers only say so', (point) => {
    const { root, old } = prepare();
    // Make the new config also change dhcp, so every step has something to undo.
    writeFileSync(join(root, 'etc/config/netboot'), withOption('main', 'bootloader_efi64', 'ipxe.efi', NEW));
    const killed = spawnSync(process.execPath, [BUNDLE, '--root', root, 'apply'], { encoding: 'utf8', env: { ...process.env, NETBOOT_FAILPOINT: point } });
    expect(killed.signal).toBe('SIGKILL');
    const journaled = point !== 'journal' || existsSync(join(root, 'etc/netboot/apply-journal.json'));
    const left = { dhcp: dhcpOf(root), files: tftpOf(root) };
    const status = netboot(['--root', root, 'status']);
    if (journaled) expect(status.stderr).toContain('was interrupted; the next apply, disable or render restores');
    expect({ dhcp: dhcpOf(root), files: tftpOf(root) }).toEqual(left);
    // An apply of the old config restores first and then has nothing left to do.
    writeFileSync(join(root, 'etc/config/netboot'), OLD);
    const again = netboot(['--root', root, 'apply']);
    expect(again.status).toBe(0);
    if (journaled) expect(again.stdout).toContain('was interrupted; the files and dhcp settings it had begun to change were restored. everything is already up to date');
    expect(dhcpOf(root)).toBe(old.dhcp);
    expect(tftpOf(root)).toEqual(old.files);
    expect(readdirSync(join(root, 'etc/netboot'))).toEqual([]);
    // And a clean apply afterwards reaches the new state.
    writeFileSync(join(root, 'etc/config/netboot'), NEW);
    expect(netboot(['--root', root, 'apply']).status).toBe(0);
    expect(dhcpOf(root)).toBe(expected.dhcp);
    expect(tftpOf(root)).toEqual(expected.files);
  });

  it('a dhcp change that cannot be made restores the files and says what happened', () => {
    const { root, old } = prepare();
    writeFileSync(join(root, 'etc/config/netboot'), withOption('main', 'bootloader_efi64', 'ipxe.efi', NEW));
    // netboot's section shares a line with the user's: editing it would touch theirs, so the edit is refused.
    const shared = old.dhcp.replace("config boot 'netboot_boot_efi64'", "config dhcp 'x'; config boot 'netboot_boot_efi64'");
    writeFileSync(join(root, 'etc/config/dhcp'), shared);
    const r = netboot(['--root', root, 'apply']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/apply failed while changing dhcp .*; the previous files and dhcp settings were restored/);
    expect(dhcpOf(root)).toBe(shared);
    expect(tftpOf(root)).toEqual(old.files);
    expect(JSON.parse(netboot(['--root', root, 'status', '--json']).stdout).last_apply).toMatchObject({ ok: false });
  });
});
