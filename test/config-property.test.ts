// Whatever validates renders: seeded random configs, valid and not, go through
// the loader; every one it accepts must render into scripts iPXE can run, and
// every one it refuses must say where (netboot.SECTION.OPTION). The configs
// are built the way uci stores them: anonymous sections as LuCI's Hosts page
// and `uci add` leave them (a bare `config TYPE`, see config.test.ts), other
// sections referring to them by the name uci gives them (cfgNNHHHH), and odd
// but legal file names for initrds and injected files. The file goes through
// serializeUci (uci commit's format) and parseUci, as a router would read it.

import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load';
import { desiredDhcp } from '../src/dhcp/desired';
import { parseScript } from '../src/ipxe/lint';
import { hostFile, renderFiles } from '../src/ipxe/render';
import { anonymousName, parseUci, serializeUci, type UciSection, type UciValue } from '../src/uci';
import { random } from './helpers/random';

type Rng = ReturnType<typeof random>;

const NAMES = ['disk1', 'Desk_PC', '9lives', 'a', 'deb', 'win10', 'x_y_z', 'cfg0a1b2c'];
// Each pool: [values netboot accepts, odd ones included; values it must refuse].
type Pool = readonly [readonly string[], readonly string[]];
const SERVERS: Pool = [['192.168.1.10', 'nas', 'nas.lan', '[fd00::10]'], ['300.1.1.1']];
const TITLES: Pool = [['Disk one', 'Ubuntu {arch} 22.04', 'a\\b c', 'x$y', '100% done', 'C:\\ drive', 'a {b}'], ['tab\there', 'Disk #2', 'a ${b}', 'Système', 'x \\']];
const FILES: Pool = [
  ['initrd.gz', 'fw-{arch}.cpio', 'x%20y.img', 'initrd.gz?v=2', 'a/initrd.gz', 'dir/', 'firmware.cpio.gz', 'http://other/x/ramdisk', 'tftp://10.0.0.1/i386/initrd', 'A+B.img', 'x#frag'],
  ['_fw.cpio', '{arch}.gz', '.hidden', 'nb-kernel', 'b/initrd.gz', 'boot.wim', 'BCD', 'a b.img'],
];
const ARGS: Pool = [['', 'quiet', 'console=ttyS0 arch={arch}  quiet', 'a\\{arch}', '{arch}#x', 'priority=critical auto=true', 'x={arch}{arch}'], ['x=${y}', 'trail\\', 'a ; b', 'q #c']];
const PATHS: Pool = [['debian/{arch}', 'ubuntu/22.04/', '/abs/path', 'http://mirror/d-i/{arch}/', 'win/', 'a$b'], ['win pe/', 'x,y']];
const TFTP_ROOTS: Pool = [['/srv/tftp', '/tmp/tftp', '/mnt/sda1/tftp/', '/www/tftp'], ['/', '/etc', '/www', 'srv/tftp', '/usr/tftp']];

const mac = (r: Rng) => ['52', ...Array.from({ length: 5 }, () => r.int(256).toString(16).padStart(2, '0'))].join(r.pick([':', ':', '-']));

interface Draft {
  type: string;
  /** undefined: anonymous. */
  name?: string;
  options: Record<string, UciValue>;
}

/** One random config as uci would store it, and whether it holds what this test is after. */
function generate(r: Rng): { text: string; anonymous: boolean; oddFiles: boolean } {
  const drafts: Draft[] = [];
  const used = new Set<string>();
  const name = (anonymousChance: number) => {
    if (r.chance(anonymousChance)) return undefined;
    const n = r.pick(NAMES) + (used.size && r.chance(0.5) ? String(used.size) : '');
    if (used.has(n)) return undefined;
    used.add(n);
    return n;
  };
  const main: Draft = { type: 'netboot', name: r.chance(0.9) ? 'main' : undefined, options: {} };
  used.add('main');
  drafts.push(main);
  const targets = Array.from({ length: r.int(4) }, (): Draft => ({ type: 'target', name: name(0.4), options: {} }));
  const installers = Array.from({ length: r.int(4) }, (): Draft => ({ type: 'installer', name: name(0.4), options: {} }));
  const hosts = Array.from({ length: r.int(4) }, (): Draft => ({ type: 'host', name: name(0.7), options: {} }));
  // uci files mix section types in any order; names follow positions.
  const rest = [...targets, ...installers, ...hosts];
  for (let i = rest.length - 1; i > 0; i--) {
    const j = r.int(i + 1);
    [rest[i], rest[j]] = [rest[j]!, rest[i]!];
  }
  drafts.push(...rest);
  const nameOf = (d: Draft) => d.name ?? anonymousName(drafts.indexOf(d) + 1, d.type);

  const m = main.options;
  m.iscsi_server = r.value(SERVERS);
  if (r.chance(0.7)) m.base_iqn = 'iqn.2000-01.com.synology';
  if (r.chance(0.95)) m.installer_url = r.value([['http://192.168.1.10/install/', 'http://nas:8080/a$b', 'tftp://nas/i'], ['https://nas/i/?x', 'http://nas/${x}/']]);
  if (r.chance(0.3)) m.menu_timeout = r.value([['0', '5', '3600'], ['3601']]);
  if (r.chance(0.3)) m.menu_default = targets.length ? nameOf(r.pick(targets)) : 'exit';
  if (r.chance(0.3)) m.initiator_iqn = r.pick(['iqn.2010-04.org.ipxe:{hostname}', 'iqn.2010-04.org.ipxe:{mac}', 'iqn.2024-01.lan:{hostname}-{mac}']);
  if (r.chance(0.2)) m.tftp_root = r.value(TFTP_ROOTS);

  for (const t of targets) {
    const o = t.options;
    if (r.chance(0.6) && m.base_iqn) o.iqn_suffix = r.pick(['disk1', 'ds.ubuntu1', 'Win-10']);
    else o.iqn = r.value([['iqn.2024-01.lan.nas:disk', 'eui.0123456789abcdef'], ['iqn.2024-01.lan.nas:Ünï']]);
    if (r.chance(0.5)) o.title = r.value(TITLES);
    if (r.chance(0.2)) o.lun = String(r.int(300));
    if (r.chance(0.1)) o.port = r.value([['3260', '3261'], ['0']]);
    if (r.chance(0.2)) [o.chap_username, o.chap_password] = ['user', r.value([['secret', 'x#y', 'a$'], ['a b']])];
    if (r.chance(0.2)) o.san_filename = r.value([['\\EFI\\debian\\shimx64.efi'], ['\\EFI\\x\\']]);
    if (installers.length && r.chance(0.4)) o.installer = r.some(installers.map(nameOf), 2);
  }
  for (const i of installers) {
    const o = i.options;
    const kind = r.pick(['debian-installer', 'linux', 'windows', 'iso', 'chain']);
    o.kind = kind;
    if (r.chance(0.5)) o.title = r.value(TITLES);
    if (kind === 'iso' || kind === 'chain') o.url = r.value([['tools/{arch}.iso', 'http://nas/x.ipxe'], ['a b.iso']]);
    else if (kind === 'windows' || r.chance(0.7)) o.path = r.value(PATHS);
    if (kind === 'linux') o.kernel = r.pick(['vmlinuz', 'linux-{arch}', 'http://nas/k']);
    const files = () => r.some(FILES[0], 3).concat(r.chance(0.05) ? [r.pick(FILES[1])] : []);
    if ((kind === 'linux' || kind === 'debian-installer') && r.chance(0.8)) o.initrd = files();
    if (kind === 'windows' && r.chance(0.8)) o.inject = files();
    if (kind === 'debian-installer' && r.chance(0.3)) o.preseed = r.pick(['preseed.cfg', 'http://nas/p?{arch}']);
    if (kind !== 'iso' && r.chance(0.5)) o.args = r.value(ARGS);
  }
  for (const h of hosts) {
    const o = h.options;
    o.mac = r.chance(0.98) ? mac(r) : r.pick(['nope', '01:00:5e:00:00:01']);
    if (r.chance(0.4)) o.hostname = r.value([['desk', 'lab-pc', 'a.b'], ['bad_name']]);
    const action = r.pick(['menu', 'menu', 'boot', 'install']);
    o.action = action;
    const target = targets.length && (action !== 'menu' || r.chance(0.3)) ? r.pick(targets) : undefined;
    if (target) o.target = nameOf(target);
    else if (action !== 'menu') o.target = 'nope';
    // An installer the target offers (all, when it lists none).
    const offered = target?.options.installer ?? installers.map(nameOf);
    if (action === 'install') o.installer = offered.length && r.chance(0.98) ? r.pick(offered as string[]) : 'nope';
    if (r.chance(0.2)) o.menu_timeout = String(r.int(10));
    if (r.chance(0.1)) o.undionly = '1';
  }

  const sections: UciSection[] = drafts.map((d) => ({
    type: d.type,
    name: d.name ?? '',
    anonymous: d.name === undefined,
    options: new Map(Object.entries(d.options)),
  }));
  const files = [...installers.flatMap((i) => [i.options.initrd ?? [], i.options.inject ?? []].flat())];
  return {
    text: serializeUci({ name: 'netboot', sections }),
    anonymous: rest.some((d) => d.name === undefined),
    oddFiles: files.some((f) => /[?%#+]|\{arch\}|\/$/.test(String(f))),
  };
}

const RUNS = 600;
const WHERE = /^netboot\.(@[a-z]+\[\d+\]|[A-Za-z0-9_]+)(\.[a-z_]+)?$/;

describe('whatever validates renders', () => {
  it(`${RUNS} seeded random configs: each is rendered without an exception or refused naming netboot.SECTION.OPTION`, () => {
    let valid = 0;
    let validAnonymous = 0;
    let validOddFiles = 0;
    for (let seed = 1; seed <= RUNS; seed++) {
      const g = generate(random(seed));
      const at = `seed ${seed}:\n${g.text}`;
      const loaded = loadConfig(parseUci(g.text, 'netboot'));
      if (!loaded.model) {
        expect(loaded.errors.length, at).toBeGreaterThan(0);
        for (const e of loaded.errors) expect(e.where, `${at}\n${e.message}`).toMatch(WHERE);
        continue;
      }
      valid++;
      if (g.anonymous) validAnonymous++;
      if (g.oddFiles) validOddFiles++;
      let files: Map<string, string> | undefined;
      expect(() => (files = renderFiles(loaded.model!)), at).not.toThrow();
      expect(() => desiredDhcp(loaded.model!), at).not.toThrow();
      // The lint cannot tell that `goto t-${nb-target}` is never reached when
      // there is no target (no host can name one), nor i-${nb-installer}.
      const unreachable = [!loaded.model.targets.length && 't-${nb-target}', !loaded.model.installers.length && 'i-${nb-installer}'].filter(Boolean);
      for (const [path, script] of files!) {
        const problems = parseScript(script).problems.filter((p) => !unreachable.some((goto) => p.endsWith(`goto ${goto}: no such label`)));
        expect(problems, `${at}\n${path}`).toEqual([]);
      }
      for (const h of loaded.model.hosts) expect(files!.has(hostFile(h.mac)), at).toBe(true);
      // Arguments keep their spacing around placeholders, as the user wrote them.
      const menu = files!.get('netboot/menu.ipxe')!;
      for (const i of loaded.model.installers) {
        if ('args' in i.spec && i.spec.args) expect(menu, at).toContain(i.spec.args.replace(/\s+/g, ' ').trim().replaceAll('{arch}', '${nb-arch}'));
      }
    }
    // The generator must exercise what it is for, not only produce refusals.
    expect(valid).toBeGreaterThan(RUNS / 3);
    expect(validAnonymous).toBeGreaterThan(RUNS / 4);
    expect(validOddFiles).toBeGreaterThan(RUNS / 10);
  });
});
