import { describe, expect, it } from 'vitest';
import { BASE, load, model, withOption } from './helpers/config';

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

  it('requires targets and installers to be named sections', () => {
    const r = load(`${BASE}\nconfig target\n\toption iqn 'iqn.2024-01.lan.nas:x'\n`);
    expect(r.errors[0]).toMatchObject({ where: 'netboot.@target', message: expect.stringMatching(/needs a name/) });
  });
});
