import { describe, expect, it } from 'vitest';
import { renderFiles } from '../src/ipxe/render';
import { anonymousName, parseUci } from '../src/uci';
import { BASE, load, model, withOption } from './helpers/config';

const parse = (text: string) => parseUci(text, 'netboot');

describe('a valid config', () => {
  it('loads with defaults filled in', () => {
    const m = model();
    expect(m.settings).toMatchObject({ enabled: true, tftpRoot: '/srv/tftp', menuTimeout: 5, iscsiPort: 3260, initiatorIqn: 'iqn.2010-04.org.ipxe:{mac}' });
    expect(m.targets.map((t) => [t.name, t.iqn, t.lun])).toEqual([
      ['disk1', 'iqn.2000-01.com.synology:disk1', 0],
      ['disk2', 'iqn.2024-01.lan.nas:disk2', 1],
    ]);
    expect(m.installers[0].spec).toMatchObject({
      kind: 'debian-installer',
      kernel: 'http://192.168.1.10/install/debian/{arch}/linux',
      initrds: ['http://192.168.1.10/install/debian/{arch}/initrd.gz'],
    });
    expect(m.hosts[0]).toMatchObject({ mac: '52:54:00:00:00:01', initiatorIqn: 'iqn.2010-04.org.ipxe:52-54-00-00-00-01', action: 'boot' });
  });

  it("takes the TFTP root from dhcp's dnsmasq section when netboot does not set one", () => {
    const r = load(BASE, "config dnsmasq\n\toption tftp_root '/mnt/usb/tftp/'\n");
    expect(r.model?.settings.tftpRoot).toBe('/mnt/usb/tftp');
  });

  it('normalises MACs and joins relative installer paths', () => {
    const m = model(withOption('pc1', 'mac', '52-54-00-AA-BB-CC'));
    expect(m.hosts[0].mac).toBe('52:54:00:aa:bb:cc');
  });

  it('warns about unknown options and section types instead of ignoring them silently', () => {
    const r = load(withOption('disk1', 'tittle', 'x') + "\nconfig targte 'x'\n");
    expect(r.model).toBeDefined();
    expect(r.warnings.map((w) => w.where)).toEqual(expect.arrayContaining(['netboot.disk1.tittle', 'netboot.x']));
  });

  it('fills {hostname} from the host, falling back to an IQN-safe section name', () => {
    const text = withOption('main', 'initiator_iqn', 'iqn.2024-01.lan.pc:{hostname}');
    expect(model(text).hosts[0].initiatorIqn).toBe('iqn.2024-01.lan.pc:pc1');
    expect(model(withOption('pc1', 'hostname', 'desk', text)).hosts[0].initiatorIqn).toBe('iqn.2024-01.lan.pc:desk');
  });
});

// Each row: a change to BASE, the option the error must name, and words it must contain.
const BAD: [string, string, string, string | null, RegExp][] = [
  ['bad MAC', 'pc1', 'mac', '52:54:00:00:00', /netboot\.pc1\.mac.*"52:54:00:00:00".*MAC address like/],
  ['multicast MAC', 'pc1', 'mac', '01:00:5e:00:00:01', /unicast/],
  ['missing MAC', 'pc1', 'mac', null, /netboot\.pc1\.mac: missing/],
  ['bad IQN', 'disk2', 'iqn', 'iqn.2024.lan.nas:x', /netboot\.disk2\.iqn.*"iqn\.2024\.lan\.nas:x".*RFC 3720/],
  ['IQN with space', 'disk2', 'iqn', 'iqn.2024-01.lan.nas:a b', /netboot\.disk2\.iqn/],
  ['IQN month 13', 'disk2', 'iqn', 'iqn.2024-13.lan.nas:x', /RFC 3720/],
  ['suffix making a bad IQN', 'disk1', 'iqn_suffix', 'a b', /netboot\.disk1\.iqn_suffix.*a suffix that makes/],
  ['both iqn and suffix', 'disk1', 'iqn', 'iqn.2024-01.lan.nas:x', /netboot\.disk1\.iqn_suffix: set either iqn or iqn_suffix/],
  ['neither iqn nor suffix', 'disk1', 'iqn_suffix', null, /netboot\.disk1\.iqn: a target needs iqn/],
  ['port 0', 'main', 'iscsi_port', '0', /netboot\.main\.iscsi_port.*"0".*1 to 65535/],
  ['port text', 'disk1', 'port', 'iscsi', /netboot\.disk1\.port.*"iscsi"/],
  ['LUN too big', 'disk1', 'lun', '70000', /netboot\.disk1\.lun.*0 to 65535/],
  ['timeout negative', 'main', 'menu_timeout', '-1', /netboot\.main\.menu_timeout.*"-1".*seconds/],
  ['bad URL scheme', 'main', 'installer_url', 'ftp://nas/install', /netboot\.main\.installer_url.*"ftp:\/\/nas\/install".*http:\/\//],
  ['URL with space', 'main', 'http_url', 'http://router/net boot/', /netboot\.main\.http_url/],
  ['relative tftp root', 'main', 'tftp_root', 'srv/tftp', /netboot\.main\.tftp_root.*absolute path/],
  ['bad bool', 'main', 'enabled', 'maybe', /netboot\.main\.enabled.*"maybe".*1 or 0/],
  ['bad server', 'main', 'iscsi_server', '300.1.1.1', /netboot\.main\.iscsi_server.*IPv4/],
  ['unknown target', 'pc1', 'target', 'disk9', /netboot\.pc1\.target.*"disk9" is not a target.*disk1, disk2/],
  ['unknown installer', 'pc1', 'installer', 'win', /netboot\.pc1\.installer.*"win" is not an installer.*deb/],
  ['install without installer', 'pc1', 'action', 'install', /netboot\.pc1\.installer: missing; action "install"/],
  ['bad action', 'pc1', 'action', 'reboot', /netboot\.pc1\.action.*one of menu, boot, install/],
  ['unknown menu default', 'main', 'menu_default', 'disk9', /netboot\.main\.menu_default.*"disk9".*"exit" or one of: disk1, disk2/],
  ['unknown installer kind', 'deb', 'kind', 'bsd', /netboot\.deb\.kind.*debian-installer, linux, windows, iso, chain/],
  ['title with comment word', 'disk1', 'title', 'Disk #2', /netboot\.disk1\.title.*"#2" would start a comment/],
  ['title with expansion', 'disk1', 'title', 'x ${root-path}', /netboot\.disk1\.title.*"\$\{" would be expanded/],
  ['title with ||', 'disk1', 'title', 'a || reboot', /netboot\.disk1\.title.*"\|\|" would end the command/],
  ['title with ;', 'disk1', 'title', 'a ; shell', /"\;" would end the command/],
  ['title not ASCII', 'disk1', 'title', 'Système', /netboot\.disk1\.title.*non-ASCII/],
  ['args ending in backslash', 'deb', 'args', 'quiet \\', /netboot\.deb\.args.*trailing "\\" joins/],
  ['CHAP without password', 'disk1', 'chap_username', 'u', /netboot\.disk1\.chap_password: CHAP needs both/],
  ['CHAP secret with space', 'disk1', 'chap_password', 'a b', /netboot\.disk1\.chap_password: must not contain spaces/],
  ['relative installer path without installer_url', 'main', 'installer_url', null, /netboot\.deb\.path: the relative path "debian\/\{arch\}\/" needs netboot\.main\.installer_url/],
  ['bad initiator template', 'main', 'initiator_iqn', 'iqn.x:{mac}', /netboot\.main\.initiator_iqn.*\{mac\} and \{hostname\}/],
];

describe('bad input gets an error naming netboot.SECTION.OPTION, the value and what is allowed', () => {
  it.each(BAD)('%s', (_, section, option, value, expected) => {
    const r = load(withOption(section, option, value));
    expect(r.model).toBeUndefined();
    expect(r.errors.map((e) => `${e.where}: ${e.message}`).join('\n')).toMatch(expected);
  });

  it('reports a duplicate MAC on the second host, naming the first', () => {
    const r = load(`${BASE}\nconfig host 'pc2'\n\toption mac '52:54:00:00:00:01'\n`);
    expect(r.errors).toContainEqual({ where: 'netboot.pc2.mac', message: expect.stringMatching(/already used by host pc1/) });
  });

  it('reports every error at once, not just the first', () => {
    const r = load(withOption('pc1', 'mac', 'x', withOption('disk1', 'lun', 'y')));
    expect(r.errors.map((e) => e.where).sort()).toEqual(['netboot.disk1.lun', 'netboot.pc1.mac']);
  });

  it('names anonymous hosts the way uci does', () => {
    const r = load(`${BASE}\nconfig host\n\toption mac 'nope'\n`);
    expect(r.errors[0].where).toBe('netboot.@host[1].mac');
  });

  it('refuses a system directory as the TFTP root, its own or the one inherited from dnsmasq', () => {
    for (const dir of ['/', '/etc', '/www', '/tmp', '/usr', '/overlay/upper', '/etc/tftp', '//etc/', '/rom/.']) {
      const r = load(withOption('main', 'tftp_root', dir));
      expect(r.model, dir).toBeUndefined();
      expect(r.errors.map((e) => `${e.where}: ${e.message}`), dir).toEqual([
        expect.stringMatching(/^netboot\.main\.tftp_root: ".*" is not allowed; use a folder for TFTP alone, like \/srv\/tftp: \/\S* is (inside )?.*system directory.*anyone on the LAN can then read every file in it.*deletes the files/),
      ]);
    }
    const inherited = load(BASE, "config dnsmasq\n\toption tftp_root '/'\n");
    expect(inherited.errors).toEqual([{ where: 'netboot.main.tftp_root', message: expect.stringMatching(/^unset, so netboot would use dnsmasq's tftp_root "\/"; set it to a folder for TFTP alone/) }]);
    for (const dir of ['/srv/tftp', '/tmp/tftp', '/mnt/sda1/tftp', '/www/tftp']) expect(model(withOption('main', 'tftp_root', dir)).settings.tftpRoot).toBe(dir);
  });

  it.each([
    ['an initrd named like no iPXE image can be', 'initrd', ['_fw.cpio'], /netboot\.deb\.initrd: "_fw\.cpio" is not allowed: its file name becomes the iPXE image name "_fw\.cpio", which must be letters, digits/],
    ['a placeholder at the start of a file name', 'initrd', ['{arch}.gz'], /netboot\.deb\.initrd: "\{arch\}\.gz" is not allowed: its file name becomes the iPXE image name "_arch_\.gz"/],
    ['two initrds of one file name', 'initrd', ['a/initrd.gz', 'b/initrd.gz'], /netboot\.deb\.initrd: "b\/initrd\.gz" is not allowed: its file name "initrd\.gz" is already the name of another image of this installer; iPXE keeps one image per name/],
    ['an initrd named like the kernel image', 'initrd', ['x/nb-kernel'], /netboot\.deb\.initrd: "x\/nb-kernel" is not allowed: its file name "nb-kernel" is already/],
  ])('refuses %s, which iPXE could not load', (_, option, values, expected) => {
    const text = withOption('deb', option, null).replace("option path 'debian/{arch}'", `option path 'debian/{arch}'\n${values.map((v) => `\tlist ${option} '${v}'`).join('\n')}`);
    const r = load(text);
    expect(r.model).toBeUndefined();
    expect(r.errors.map((e) => `${e.where}: ${e.message}`).join('\n')).toMatch(expected);
  });

  it('refuses a windows file injected under the name of an image netboot loads itself', () => {
    const r = load(`${BASE}\nconfig installer 'win'\n\toption kind 'windows'\n\toption path 'win/'\n\tlist inject 'x/boot.wim'\n`);
    expect(r.errors.map((e) => `${e.where}: ${e.message}`)).toEqual([expect.stringMatching(/^netboot\.win\.inject: "x\/boot\.wim" is not allowed: its file name "boot\.wim" is already/)]);
  });

  it('refuses an installer_url iPXE could not carry as text', () => {
    const r = load(withOption('main', 'installer_url', 'http://nas/${x}/'));
    expect(r.errors.map((e) => `${e.where}: ${e.message}`).join('\n')).toMatch(/netboot\.main\.installer_url: "http:\/\/nas\/\$\{x\}\/" must be printable ASCII without "\$\{"/);
  });
});

describe('anonymous sections, as LuCI and `uci add` create them', () => {
  // LuCI's Hosts page adds a host without a name: uci.js save() calls rpcd's
  // `uci add` with no name (systemcrash/luci daf2e0bc2b,
  // modules/luci-base/htdocs/luci-static/resources/uci.js), rpcd adds it with
  // uci_add_section (openwrt/rpcd 4476687, uci.c rpc_uci_add), and the commit
  // writes it back as a bare `config host` (openwrt/uci 66127cd, file.c
  // uci_export_package). On the next load uci names it cfgNNHHHH by its
  // position (list.c uci_fixup_section), which is the name LuCI then shows and
  // writes into a host's target. `uci add netboot target` does the same.
  const anon = (after: string) => {
    const n = parse(BASE).sections.length;
    const target = anonymousName(n + 1, 'target');
    const installer = anonymousName(n + 2, 'installer');
    const text = `${BASE}
config target
\toption iqn 'iqn.2024-01.lan.nas:anon'
\tlist installer '${installer}'

config installer
\toption kind 'iso'
\toption url 'tools/{arch}.iso'

config host
\toption mac '52:54:00:00:00:07'
\toption hostname 'lab-pc'
\toption target '${target}'
\toption action 'install'
\toption installer '${installer}'
${after}`;
    return { text, target, installer };
  };

  it('load under the names uci gives them, and a host refers to them by those names', () => {
    const { text, target, installer } = anon('');
    const m = model(text);
    expect(m.targets[2]).toMatchObject({ name: target, title: 'iqn.2024-01.lan.nas:anon', installers: [installer] });
    expect(m.installers[1]).toMatchObject({ name: installer, title: installer });
    expect(m.hosts[1]).toMatchObject({ name: '@host[1]', mac: '52:54:00:00:00:07', target, installer, initiatorIqn: 'iqn.2010-04.org.ipxe:52-54-00-00-00-07' });
  });

  it('render: a host’s script is keyed by its MAC, targets and installers by their uci names', () => {
    const { text, target, installer } = anon('');
    const files = renderFiles(model(text));
    expect(files.get('netboot/hosts/52-54-00-00-00-07.ipxe')).toContain(`# host @host[1] 52:54:00:00:00:07\nset initiator-iqn iqn.2010-04.org.ipxe:52-54-00-00-00-07\nset nb-action install\nset nb-target ${target}\n`);
    expect(files.get('netboot/menu.ipxe')).toContain(`:i-${installer}\n`);
    expect(files.has(`netboot/beacon/install/${target}/${installer}.ipxe`)).toBe(true);
  });

  it('errors name an anonymous section as uci show does, @type[N]', () => {
    const { text } = anon("\nconfig target\n\toption iqn 'iqn.2024-01.lan.nas:x'\n\tlist installer 'nope'\n");
    expect(load(text).errors).toEqual([{ where: 'netboot.@target[3].installer', message: expect.stringMatching(/^"nope" is not an installer/) }]);
  });

  it('refuses an anonymous section whose uci name an earlier section already has', () => {
    const taken = anonymousName(2, 'target');
    const r = load(`config target '${taken}'\n\toption iqn 'iqn.2024-01.lan.nas:a'\n\toption server 'nas'\nconfig target\n\toption iqn 'iqn.2024-01.lan.nas:b'\n\toption server 'nas'\n`);
    expect(r.errors).toEqual([{ where: 'netboot.@target[1]', message: `uci names this anonymous target "${taken}", as an earlier target is named; rename that one, or name this one` }]);
  });
});
