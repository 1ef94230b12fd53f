// A small model of iPXE's script engine, enough to walk netboot's menus in unit
// tests: settings and ${} expansion (innermost first, repeated), `||` `&&` `;`,
// labels and goto, chained scripts with relative URIs, menus answered by a
// scripted user. Boot effects (sanboot, kernel, ...) are recorded, not done.
// The boot lab proves the same paths on real iPXE; this makes them fast.

import { parseScript } from '../../src/ipxe/lint';

export interface SimClient {
  mac: string;
  buildarch?: 'i386' | 'x86_64' | 'arm64';
  platform?: 'pcbios' | 'efi';
  /** cpuid --ext 29 (long mode). */
  x86_64?: boolean;
  chip?: string;
  /** Answers for successive `choose`: an item name, or 'timeout' / 'escape'. */
  choices?: string[];
  /** Commands (by first word) that should fail, e.g. sanboot for a broken target. */
  failing?: string[];
}

export interface SimResult {
  /** Effectful commands in order, fully expanded. */
  effects: string[];
  /** Every menu shown: its title and item names. */
  menus: { title: string; items: string[]; default?: string; timeout: string }[];
  settings: Map<string, string>;
  fetched: string[];
  end: 'boot' | 'exit' | 'shell' | 'reboot' | 'steps';
}

class Stop extends Error {
  constructor(readonly why: SimResult['end']) {
    super(why);
  }
}

export function simulate(files: Map<string, string>, client: SimClient, entry = 'netboot/menu.ipxe', maxSteps = 5000): SimResult {
  const settings = new Map<string, string>();
  const res: SimResult = { effects: [], menus: [], settings, fetched: [], end: 'steps' };
  const choices = [...(client.choices ?? [])];
  const hexhyp = client.mac.replaceAll(':', '-');
  const builtin: Record<string, string> = {
    'netX/mac:hexhyp': hexhyp,
    'netX/mac': client.mac,
    'mac:hexhyp': hexhyp,
    buildarch: client.buildarch ?? 'x86_64',
    platform: client.platform ?? 'pcbios',
    'netX/chip': client.chip ?? 'e1000',
    'next-server': '192.168.1.1',
    errno: '0x2d12608e',
  };
  let steps = 0;
  let menu: SimResult['menus'][number] | undefined;

  const expand = (w: string): string => {
    for (;;) {
      const end = w.indexOf('}');
      const start = end < 0 ? -1 : w.lastIndexOf('${', end);
      if (start < 0) return w;
      const name = w.slice(start + 2, end);
      w = w.slice(0, start) + (settings.get(name) ?? builtin[name] ?? '') + w.slice(end + 1);
    }
  };

  const run = (path: string): number => {
    const text = files.get(path);
    res.fetched.push(path);
    if (text === undefined) return 1;
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
          skip = w === '||' ? status === 0 : w === '&&' ? status !== 0 : false;
          if (!skip && w !== ';') status = 0;
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

  function command(w: string[], resolve: (u: string) => string): number | { goto?: string } {
    const [c, ...a] = w;
    const args = a.filter((x) => x !== '--');
    switch (c) {
      case 'set':
        settings.set(args[0], args.slice(1).join(' '));
        return 0;
      case 'clear':
        settings.delete(args[0]);
        return 0;
      case 'isset':
        return (args[0] ?? '') !== '' ? 0 : 1;
      case 'iseq':
        return a[0] === a[1] ? 0 : 1;
      case 'cpuid':
        return client.buildarch === 'arm64' ? 1 : client.x86_64 === false ? 1 : 0;
      case 'goto':
        return { goto: a[0] };
      case 'echo':
        return 0;
      case 'chain': {
        const url = args.find((x) => !x.startsWith('--'))!;
        if (/^[a-z]+:\/\//.test(url)) {
          effect(`chain ${args.filter((x) => !x.startsWith('--')).join(' ')}`);
          if (fails('chain')) return 1;
          throw new Stop('boot');
        }
        return run(resolve(url));
      }
      case 'menu':
        menu = { title: args.join(' '), items: [], timeout: '0' };
        res.menus.push(menu);
        return 0;
      case 'item':
        if (!a.includes('--gap')) menu!.items.push(a.filter((x, i) => !x.startsWith('--') && a[i - 1] !== '--key')[0]);
        return 0;
      case 'choose': {
        const opt = (o: string) => (a.includes(o) ? a[a.indexOf(o) + 1] : undefined);
        const m = menu!;
        m.default = opt('--default');
        m.timeout = opt('--timeout') ?? '0';
        const answer = choices.shift();
        if (answer === undefined) throw new Error(`menu "${m.title}" asked, but the scripted user has no more answers`);
        if (answer === 'escape') return 1;
        if (answer === 'timeout' && (m.timeout === '0' || m.timeout === '')) throw new Error(`menu "${m.title}" has no timeout to wait for`);
        const picked = answer === 'timeout' ? m.default ?? m.items[0] : answer;
        if (!m.items.includes(picked)) throw new Error(`menu "${m.title}" has no item ${picked}: ${m.items.join(' ')}`);
        settings.set(a[a.length - 1], picked);
        return 0;
      }
      case 'imgfetch': {
        // Only beacons are fetched this way: note what the router's TFTP server would see.
        const url = args.find((x) => !x.startsWith('--') && x !== 'nb-beacon')!;
        res.fetched.push(url.replace(/^tftp:\/\/[^/]+\//, ''));
        return 0;
      }
      case 'sanboot':
      case 'sanhook':
      case 'kernel':
      case 'initrd':
      case 'sanunhook':
      case 'imgfree':
        if (a[0] === 'nb-beacon') return 0;
        effect(w.join(' '));
        if (c === 'sanboot' && !fails(c)) throw new Stop('boot');
        return fails(c) ? 1 : c === 'sanunhook' || (c === 'imgfree' && a[0] !== 'nb-beacon') ? 1 : 0;
      case 'boot':
        effect('boot');
        if (fails('boot')) return 1;
        throw new Stop('boot');
      case 'prompt':
        return 0;
      case 'shell':
        throw new Stop('shell');
      case 'exit':
        throw new Stop('exit');
      case 'reboot':
        throw new Stop('reboot');
      default:
        throw new Error(`the simulator does not know the command ${c}`);
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
