// A small model of iPXE's script engine, enough to walk netboot's menus in unit
// tests: settings and ${} expansion (innermost first, repeated), `||` `&&` `;`,
// labels and goto, chained scripts with relative URIs, menus and prompts answered
// by a scripted user. Boot effects (sanboot, kernel, ...) are recorded, not done.
// The boot lab proves the same paths on real iPXE; this makes them fast.
//
// SAN drives and images follow iPXE v1.21.1 (github.com/ipxe/ipxe, tag v1.21.1;
// Debian 12's ipxe 1.0.0+git-20190125.36a4c85 has the same code in every file
// named here except efi_block.c, whose hook/unhook keep the same contract):
// - src/hci/commands/sanboot_cmd.c: sanhook/sanboot/sanunhook all go through
//   uriboot(); the drive is --drive, else san_default_drive(): the `san-drive`
//   setting, else 0x80 (src/core/sanboot.c). sanunhook takes only --drive.
// - src/usr/autoboot.c uriboot(): hook ("Registered SAN device 0x80" or "Could not
//   open SAN device: ..."), boot unless sanhook/sanunhook, then unhook unless
//   sanhook, `sanboot --keep`, a sanboot without a root path, or a nonzero
//   `keep-san` ("Preserving SAN device"). The unhook path returns 0.
// - src/core/sanboot.c register_sandev(): a drive number already in the list is
//   EADDRINUSE; errno = posix 0x03 << 24 | ERRFILE_sanboot 0x00232000 | platform
//   (pcbios PXENV_STATUS_UDP_OPEN 0x19, efi EFI_ALREADY_STARTED -> 0x94).
//   int13_unhook / efi_block_unhook of an unknown drive do nothing.
// - src/hci/commands/image_cmd.c: imgfree without names frees every registered
//   image, with a name that is not there prints `"x": no such image` and fails.
//   src/image/script.c: a running script is unregistered while it runs.
// - src/core/exec.c: an unknown command prints "x: command not found"; errno is
//   only updated when a command fails. cpuid is in x86 builds only.
// - Registration (src/register): src/hci/commands/nvo_cmd.c `read` stores the
//   typed line as it is (src/hci/readline.c: Enter ends it, Ctrl-C fails with
//   ECANCELED); src/core/settings.c: `${x:hexraw}` formats the raw bytes as
//   lower-case hex with no separator (src/core/base16.c hex_encode), storing an
//   empty value deletes the setting, `unixtime` is built in (uint32, "%#lx");
//   src/net/udp/dhcp.c copies the `vendor-class` setting into the request.

import { parseScript } from '../../src/ipxe/lint';

/** What a SAN URI leads to: a disk that boots, a disk with nothing to boot, a boot that returns, or no answer. */
export type SanDisk = 'boots' | 'blank' | 'returns' | 'unreachable';

export interface SimClient {
  mac: string;
  buildarch?: 'i386' | 'x86_64' | 'arm64';
  platform?: 'pcbios' | 'efi';
  /** cpuid --ext 29 (long mode). */
  x86_64?: boolean;
  chip?: string;
  /** Answers for successive `choose`: an item name, or 'timeout' / 'escape'. */
  choices?: string[];
  /** Answers for successive `prompt`: a key press or the timeout (the default once these run out). */
  prompts?: ('key' | 'timeout')[];
  /**
   * Commands (by first word) that should fail. sanboot: every SAN disk is blank;
   * sanhook: no SAN target answers; chain/imgexec/kernel/initrd/boot: fail.
   */
  failing?: string[];
  /** Commands whose boot comes back successfully (a chained script or NBP that exits, a SAN boot that returns). */
  returning?: string[];
  /** Per SAN URI and which attempt at hooking it this is (1 the first time); overrides `failing`. */
  san?: (uri: string, hooks: number) => SanDisk;
  /** DHCP settings (e.g. keep-san from option 175.8): read after the script's own. */
  dhcp?: Record<string, string>;
  /** Lines typed at successive `read`s; null is Ctrl-C. */
  reads?: (string | null)[];
  /** The PC's clock (the `unixtime` setting). */
  unixtime?: number;
  /** The router's side of a `dhcp` command: sees the vendor class sent, may change `files`. */
  onDhcp?: (vendorClass: string | undefined) => void;
  /** Called at each `sleep`: the router's side may change `files` meanwhile. */
  onSleep?: () => void;
}

export interface SimResult {
  /** Effectful commands in order, fully expanded. */
  effects: string[];
  /** Every menu shown: its title and item names. */
  menus: { title: string; items: string[]; default?: string; timeout: string }[];
  settings: Map<string, string>;
  fetched: string[];
  /** What iPXE printed: echo lines and the commands' own messages, in order. */
  console: string[];
  /** SAN drives still hooked when the run ended: drive number → URI. */
  drives: Map<number, string>;
  /** Drives hooked at the moment something booted. */
  bootedWith?: Map<number, string>;
  /** menu: waiting at a menu the scripted user has no more answers for. */
  end: 'boot' | 'exit' | 'shell' | 'reboot' | 'menu' | 'steps';
}

class Stop extends Error {
  constructor(readonly why: SimResult['end']) {
    super(why);
  }
}

/** Options that take a value, per iPXE's option tables; the rest are flags. */
const WITH_VALUE = new Set(['--drive', '--filename', '--name', '--timeout', '--default', '--key', '--menu', '--select']);

function options(args: string[]): { opts: Map<string, string>; rest: string[] } {
  const opts = new Map<string, string>();
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (rest.length) rest.push(a); // iPXE's getopt stops at the first argument
    else if (a === '--') rest.push(...args.slice(i + 1)), (i = args.length);
    else if (WITH_VALUE.has(a)) opts.set(a, args[++i] ?? '');
    else if (a.startsWith('--')) opts.set(a, '');
    else rest.push(a);
  }
  return { opts, rest };
}

const hex = (n: number) => `0x${n.toString(16)}`;

export function simulate(files: Map<string, string>, client: SimClient, entry = 'netboot/menu.ipxe', maxSteps = 5000): SimResult {
  const settings = new Map<string, string>();
  const drives = new Map<number, string>();
  const images = new Set<string>();
  const res: SimResult = { effects: [], menus: [], settings, fetched: [], console: [], drives, end: 'steps' };
  const choices = [...(client.choices ?? [])];
  const reads = [...(client.reads ?? [])];
  const prompts = [...(client.prompts ?? [])];
  const platform = client.platform ?? 'pcbios';
  const hexhyp = client.mac.replaceAll(':', '-');
  const builtin: Record<string, string> = {
    'netX/mac:hexhyp': hexhyp,
    'netX/mac': client.mac,
    'mac:hexhyp': hexhyp,
    buildarch: client.buildarch ?? 'x86_64',
    platform,
    'netX/chip': client.chip ?? 'e1000',
    'next-server': '192.168.1.1',
    'netX/ifname': 'net0',
    // A uint32 setting: format_uint_setting prints "%#lx".
    unixtime: `0x${(client.unixtime ?? 0x6b0f6000).toString(16)}`,
    ...client.dhcp,
  };
  let errno = 0;
  let steps = 0;
  let menu: SimResult['menus'][number] | undefined;
  const print = (s: string) => res.console.push(s);
  // settings.c: errno is a uint32 setting, formatted "%#lx".
  const stored = (name: string) => (name === 'errno' ? hex(errno) : settings.get(name) ?? builtin[name]);
  const setting = (name: string) => {
    const typed = /^(.*):hexraw$/.exec(name);
    if (!typed) return stored(name);
    const v = stored(typed[1]!);
    return v === undefined ? undefined : [...v].map((c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join('');
  };

  const expand = (w: string): string => {
    for (;;) {
      const end = w.indexOf('}');
      const start = end < 0 ? -1 : w.lastIndexOf('${', end);
      if (start < 0) return w;
      w = w.slice(0, start) + (setting(w.slice(start + 2, end)) ?? '') + w.slice(end + 1);
    }
  };

  const run = (path: string): number => {
    const text = files.get(path);
    res.fetched.push(path);
    if (text === undefined) {
      print(`Could not start download: ${error(0x2d12608e)} (${path})`);
      return fail(0x2d12608e);
    }
    const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/') + 1) : '';
    const resolve = (u: string) => {
      if (/^[a-z]+:\/\//.test(u)) return u;
      const parts = (dir + u).split('/');
      const out: string[] = [];
      for (const p of parts) if (p === '..') out.pop(); else out.push(p);
      return out.join('/');
    };
    const parsed = parseScript(text);
    // Label → index of the first command after it, by line.
    const lines = text.split('\n');
    const labelAt = new Map<string, number>();
    lines.forEach((l, i) => {
      const m = /^:(\S+)/.exec(l.trim());
      if (m) labelAt.set(m[1], parsed.commands.findIndex((c) => c.line > i + 1));
    });
    const byLine = new Map<number, typeof parsed.commands>();
    for (const c of parsed.commands) byLine.set(c.line, [...(byLine.get(c.line) ?? []), c]);
    const lineNos = [...byLine.keys()];

    let li = 0;
    while (li < lineNos.length) {
      if (++steps > maxSteps) throw new Stop('steps');
      const lineNo = lineNos[li];
      // Re-split the raw line to know the separators between commands.
      const words = lines[lineNo - 1].trim().split(/\s+/);
      let status = 0;
      let skip = false;
      let jumped: number | undefined;
      let cmd: string[] = [];
      const exec = () => {
        if (!skip && !cmd.length) status = 0; // exec.c: an empty command succeeds
        if (!skip && cmd.length) {
          const r = command(cmd.map(expand), resolve);
          if (typeof r === 'object') {
            jumped = r.goto === undefined ? undefined : labelAt.get(r.goto);
            if (r.goto !== undefined && jumped === undefined) throw new Error(`${path}: goto ${r.goto}: no such label`);
            status = 0;
          } else status = r;
        }
        cmd = [];
      };
      for (const w of [...words, ';']) {
        if (jumped !== undefined) break;
        if (w.startsWith('#')) break;
        if (w === '||' || w === '&&' || w === ';') {
          exec();
          if (jumped !== undefined) break;
          // exec.c: the status of the last command that ran decides, skipped ones keep it.
          skip = w === '||' ? status === 0 : w === '&&' ? status !== 0 : false;
        } else cmd.push(w);
      }
      if (jumped !== undefined) {
        const target = parsed.commands[jumped];
        li = target ? lineNos.indexOf(target.line) : lineNos.length;
        continue;
      }
      if (status !== 0) return status; // a failing line ends the script
      li++;
    }
    return 0;
  };

  const effect = (s: string) => res.effects.push(s);
  const fails = (name: string) => (client.failing ?? []).includes(name);
  const returns = (name: string) => (client.returning ?? []).includes(name);
  const fail = (code: number) => {
    errno = code;
    return 1;
  };
  /** strerror.c for an error without a description compiled in (as Debian's build prints them). Only
   * EADDRINUSE's number is derived from the source; the others are stand-ins of the same shape. */
  const error = (code: number) => `Error ${hex(code)} (http://ipxe.org/${code.toString(16).padStart(8, '0')})`;
  const boot = (): never => {
    res.bootedWith = new Map(drives);
    throw new Stop('boot');
  };
  const hooks = new Map<string, number>();
  const disk = (uri: string): SanDisk =>
    client.san?.(uri, hooks.get(uri) ?? 0) ?? (fails('sanhook') ? 'unreachable' : fails('sanboot') ? 'blank' : returns('sanboot') ? 'returns' : 'boots');
  const keepSan = () => Number(setting('keep-san') ?? '0') !== 0;

  /** autoboot.c uriboot() for the three SAN commands. */
  function uriboot(kind: 'sanhook' | 'sanboot' | 'sanunhook', a: string[]): number {
    const { opts, rest } = options(a);
    const drive = opts.has('--drive') ? Number(opts.get('--drive')) : Number(setting('san-drive') ?? 0x80);
    const uri = rest[0];
    let rc = 0;
    if (uri !== undefined) {
      if (drives.has(drive)) {
        const code = platform === 'efi' ? 0x03232094 : 0x03232019;
        print(`Could not open SAN device: ${error(code)}`);
        return fail(code);
      }
      hooks.set(uri, (hooks.get(uri) ?? 0) + 1);
      if (disk(uri) === 'unreachable') {
        print(`Could not open SAN device: ${error(0x3d126083)}`);
        return fail(0x3d126083);
      }
      drives.set(drive, uri);
      print(`Registered SAN device ${hex(drive)}`);
    }
    if (kind === 'sanboot') {
      print(`Booting from SAN device ${hex(drive)}`);
      const d = drives.has(drive) ? disk(drives.get(drive)!) : 'blank';
      if (d === 'boots') boot();
      if (d === 'returns') rc = 0;
      else {
        print(`Boot from SAN device ${hex(drive)} failed: ${error(0x3f122003)}`);
        rc = fail(0x3f122003);
      }
    }
    const noUnhook = kind === 'sanhook' || opts.has('--keep') || (kind === 'sanboot' && uri === undefined);
    if (!noUnhook) {
      if (keepSan()) print(`Preserving SAN device ${hex(drive)}`);
      else {
        drives.delete(drive);
        print(`Unregistered SAN device ${hex(drive)}`);
      }
    }
    return rc;
  }

  function command(w: string[], resolve: (u: string) => string): number | { goto?: string } {
    const [c, ...a] = w;
    const { opts, rest } = options(a);
    switch (c) {
      case 'set': {
        const v = rest.slice(1).join(' ');
        if (v === '') settings.delete(rest[0]);
        else settings.set(rest[0], v);
        return 0;
      }
      case 'read': {
        const typed = reads.shift();
        if (typed === undefined) throw new Stop('menu'); // waiting for a line nobody types
        if (typed === null) return fail(0x0b072095);
        if (typed === '') settings.delete(rest[0]);
        else settings.set(rest[0], typed);
        return 0;
      }
      case 'dhcp':
        effect(w.join(' '));
        if (fails('dhcp')) return fail(0x040ee119);
        client.onDhcp?.(settings.get('vendor-class'));
        return 0;
      case 'sleep':
        client.onSleep?.();
        return 0;
      case 'clear':
        settings.delete(rest[0]);
        return 0;
      case 'inc':
        settings.set(rest[0], String(Number(setting(rest[0]) ?? '0') + Number(rest[1] ?? '1')));
        return 0;
      case 'isset':
        return (rest[0] ?? '') !== '' ? 0 : fail(0x2d5c403b);
      case 'iseq':
        return a[0] === a[1] ? 0 : fail(0x2d5c403b);
      case 'cpuid':
        if (client.buildarch === 'arm64') {
          print('cpuid: command not found');
          return fail(0x2c5c0003);
        }
        return client.x86_64 === false ? fail(0x2d5c403b) : 0;
      case 'goto':
        return { goto: a[0] };
      case 'echo':
        print(a.join(' '));
        return 0;
      case 'chain':
      case 'imgexec': {
        const [url, ...args] = rest;
        if (images.has(url) || /^[a-z]+:\/\//.test(url)) {
          effect(`${c} ${[url, ...args].join(' ')}`);
          if (opts.has('--autofree')) images.delete(url);
          if (fails(c)) return fail(0x2d12608e);
          if (returns(c)) return 0;
          return boot();
        }
        return run(resolve(url));
      }
      case 'menu':
        menu = { title: rest.join(' '), items: [], timeout: '0' };
        res.menus.push(menu);
        return 0;
      case 'item':
        if (!opts.has('--gap')) menu!.items.push(rest[0]);
        return 0;
      case 'choose': {
        const m = menu!;
        m.default = opts.get('--default');
        m.timeout = opts.get('--timeout') ?? '0';
        const answer = choices.shift();
        if (answer === undefined) throw new Stop('menu'); // the PC waits at a menu nobody answers
        if (answer === 'escape') return fail(0x0b072095);
        if (answer === 'timeout' && (m.timeout === '0' || m.timeout === '')) throw new Error(`menu "${m.title}" has no timeout to wait for`);
        const picked = answer === 'timeout' ? m.default ?? m.items[0] : answer;
        if (!m.items.includes(picked)) throw new Error(`menu "${m.title}" has no item ${picked}: ${m.items.join(' ')}`);
        settings.set(rest[rest.length - 1], picked);
        return 0;
      }
      case 'prompt': {
        const timeout = opts.get('--timeout') ?? '0';
        if (!/^\d+$/.test(timeout)) throw new Error(`prompt --timeout ${timeout}: not a number`);
        const answer = prompts.shift() ?? 'timeout';
        if (answer === 'timeout' && Number(timeout) === 0) throw new Error(`prompt "${rest.join(' ')}" waits for a key forever`);
        return answer === 'key' ? 0 : fail(0x4c1a6021);
      }
      case 'imgfetch':
      case 'kernel':
      case 'initrd': {
        const url = rest[0];
        const named = opts.get('--name') ?? url.split('/').pop()!;
        if (/^tftp:\/\/[^/]+\/netboot\/beacon\//.test(url)) {
          // A beacon: note what the router's TFTP server would see.
          res.fetched.push(url.replace(/^tftp:\/\/[^/]+\//, ''));
        } else effect(w.join(' '));
        if (fails(c)) return fail(0x2d12608e);
        images.add(named);
        return 0;
      }
      case 'imgfree':
        if (!rest.length) {
          images.clear();
          return 0;
        }
        for (const n of rest) {
          if (!images.delete(n)) {
            print(`"${n}": no such image`);
            return fail(0x2d5c403b);
          }
        }
        return 0;
      case 'sanboot':
      case 'sanhook':
      case 'sanunhook':
        effect(w.join(' '));
        return uriboot(c, a);
      case 'boot':
        effect('boot');
        if (fails('boot')) return fail(0x2d12608e);
        if (returns('boot')) return 0;
        return boot();
      case 'shell':
        throw new Stop('shell');
      case 'exit':
        throw new Stop('exit');
      case 'reboot':
        throw new Stop('reboot');
      default:
        print(`${c}: command not found`);
        return fail(0x2c5c0003);
    }
  }

  try {
    run(entry);
    res.end = 'exit';
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
    res.end = e.why;
  }
  return res;
}
