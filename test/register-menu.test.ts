// Registration on the PC's side: the menu netboot renders, walked in the iPXE
// simulator (test/helpers/ipxe-sim.ts, after ipxe v1.21.1), with the router's
// side played by netboot's own pure pipeline: the vendor class the menu sends
// → src/register → the config with the new host → renderFiles. The boot lab
// does the same with real iPXE and dnsmasq (test/e2e/boot.test.ts, s13).
import { describe, expect, it } from 'vitest';
import type { SpooledEvent } from '../src/journeys/spool';
import { parseScript } from '../src/ipxe/lint';
import { registerFile, renderFiles } from '../src/ipxe/render';
import { EMPTY_LOG, register, type RegisterLog } from '../src/register/register';
import { parseUci, serializeUci } from '../src/uci';
import { BASE, model, withOption } from './helpers/config';
import { simulate, type SimClient } from './helpers/ipxe-sim';
import { hexraw as hex, vendorClass } from './helpers/register';

const ON = withOption('main', 'registration', '1');
const MAC = '52:54:00:00:00:42';
const NOW = 1_796_170_000_000;

/** A router: its config, its registration log, and the files it serves, kept in step as apply would. */
class Router {
  log: RegisterLog = EMPTY_LOG;
  readonly files: Map<string, string>;
  readonly sent: (string | undefined)[] = [];

  constructor(public config = ON) {
    this.files = renderFiles(model(config));
  }

  /** What dnsmasq's script and then apply make of one DHCP exchange. */
  dhcp(vendorclass: string | undefined, mac = MAC): void {
    this.sent.push(vendorclass);
    const event: SpooledEvent = { time: NOW, event: { source: 'dhcp', action: 'update', mac, ip: '192.168.1.150', hostname: null, vendorclass: vendorclass ?? null, userclass: ['iPXE'], tags: [] } };
    const r = register(this.log, [event], parseUci(this.config, 'netboot'), undefined, NOW);
    this.log = r.log;
    if (r.hosts.length) this.config += `\n${serializeUci({ name: 'netboot', sections: r.hosts })}`;
    this.files.clear();
    for (const [p, t] of renderFiles(model(this.config), this.log.answers)) this.files.set(p, t);
  }

  boot(client: Partial<SimClient>) {
    return simulate(this.files, { mac: MAC, onDhcp: (v) => this.dhcp(v), ...client });
  }
}

describe('the registration menu', () => {
  it('is offered to unknown PCs only while registration is on', () => {
    const off = simulate(renderFiles(model(BASE)), { mac: MAC });
    expect(off.menus[0]!.items).not.toContain('nb-register');
    expect(renderFiles(model(BASE)).get('netboot/menu.ipxe')).not.toContain('nb-reg');
    const on = new Router().boot({});
    expect(on.menus[0]!.items).toContain('nb-register');
    // A known PC whose action is the menu does not see it.
    const known = new Router(`${ON}\nconfig host 'pc2'\n\toption mac '${MAC}'\n`).boot({});
    expect(known.menus[0]!.items).not.toContain('nb-register');
    expect(known.menus[0]!.items).toContain('t-disk1');
  });

  it('reads cleanly as iPXE, answers included', () => {
    const router = new Router();
    router.dhcp(vendorClass('0x1', 'disk1', 'one'));
    router.dhcp(vendorClass('0x2', 'disk1', 'bad name'), '52:54:00:00:00:43');
    expect(router.files.has(registerFile(MAC))).toBe(true);
    for (const [path, body] of router.files) expect(parseScript(body).problems, path).toEqual([]);
  });

  it('never puts the typed name into a command but as hex', () => {
    const menu = new Router().files.get('netboot/menu.ipxe')!;
    expect(menu.match(/\$\{nb-reg-name[^}]*\}/g)).toEqual(['${nb-reg-name:hexraw}', '${nb-reg-name:hexraw}']);
  });
});

describe('an unknown PC registers itself', () => {
  it('picks a target, types a name, is told so, and boots its target; the next boot needs no key', () => {
    const router = new Router();
    const first = router.boot({ choices: ['nb-register', 'r-disk2'], reads: ['Lab-PC'], unixtime: 0x6b0f607b });
    expect(router.sent).toEqual([vendorClass('0x6b0f607b', 'disk2', 'Lab-PC')]);
    expect(first.console).toContain('netboot: this PC is now the host lab-pc; it boots Disk two with no key from now on');
    expect(first.end).toBe('boot');
    expect(first.effects.filter((e) => e.startsWith('sanboot'))).toEqual(['sanboot --drive 0x80 iscsi:192.168.1.10:::1:iqn.2024-01.lan.nas:disk2']);
    // The vendor class is what iPXE's next DHCP would send: it is cleared.
    expect(first.settings.has('vendor-class')).toBe(false);
    expect(router.config).toMatch(/config host 'lab_pc'\n\toption mac '52:54:00:00:00:42'\n\toption hostname 'lab-pc'\n\toption target 'disk2'\n\toption action 'boot'\n/);

    const next = router.boot({});
    expect(next.menus).toEqual([]);
    expect(next.end).toBe('boot');
    expect(next.effects.filter((e) => e.startsWith('sanboot'))).toEqual(['sanboot --drive 0x80 iscsi:192.168.1.10:::1:iqn.2024-01.lan.nas:disk2']);
  });

  it('waits for an answer that takes a few seconds', () => {
    const router = new Router();
    let polls = 0;
    const pending: (string | undefined)[] = [];
    const r = simulate(router.files, {
      mac: MAC,
      choices: ['nb-register', 'r-disk1'],
      reads: ['slow'],
      onDhcp: (v) => pending.push(v),
      onSleep: () => {
        if (++polls === 4) router.dhcp(pending[0]);
      },
    });
    expect(r.console).toContain('netboot: this PC is now the host slow; it boots Disk one with no key from now on');
    expect(r.end).toBe('boot');
    expect(r.fetched.filter((f) => f === registerFile(MAC))).toHaveLength(4);
  });

  it.each([
    ['expands to something in iPXE', '${nb-reg-target}', 'that name'],
    ['holds a setting with a secret', '${password}', 'that name'],
    ['would end the command', 'x || shell', 'that name'],
    ['would start a comment', '#x', '"#x"'],
  ])('sends a name that %s as it was typed, and shows the refusal safely', (_, typed, shown) => {
    const router = new Router();
    const r = router.boot({ choices: ['nb-register', 'r-disk1'], reads: [typed], dhcp: { password: 'secret' } });
    expect(router.sent).toEqual([`netboot-register:0x6b0f6000:disk1:${hex(typed)}`]);
    expect(r.console).toContain(`netboot: registration refused: ${shown} is not a host name; use letters, digits and "-" (not first or last), at most 63 characters`);
    expect(r.console.join('\n')).not.toContain('secret');
    // A pause, then the menu again: it waits for an answer nobody gives.
    expect(r.end).toBe('menu');
    expect(r.menus.map((m) => m.title.split(':')[0])).toEqual(['netboot', 'Register this PC (52', 'netboot']);
    expect(router.config).toBe(ON);
  });

  it('shows the refusal of a name that is taken and goes back to the menu', () => {
    const router = new Router();
    const r = router.boot({ choices: ['nb-register', 'r-disk1'], reads: ['pc1'] });
    expect(r.console).toContain('netboot: registration refused: the name "pc1" is taken; type another');
    expect(r.end).toBe('menu');
  });

  it('shows that registration is off when it was switched off after the menu was rendered', () => {
    const router = new Router();
    router.config = BASE;
    const r = router.boot({ choices: ['nb-register', 'r-disk1'], reads: ['late'] });
    expect(r.console).toContain('netboot: registration refused: registration is off on the router (netboot.main.registration)');
  });

  it('ignores an answer to an earlier request, and says when the router does not answer', () => {
    const router = new Router();
    router.dhcp(vendorClass('0x111', 'disk1', 'bad name'));
    const r = router.boot({ choices: ['nb-register', 'r-disk1'], reads: ['again'], unixtime: 0x222, onDhcp: () => {} });
    expect(r.console.join('\n')).not.toContain('refused');
    expect(r.fetched.filter((f) => f === registerFile(MAC))).toHaveLength(15);
    expect(r.console).toContain('netboot: the router did not answer; is netboot running there? ("netboot status")');
    expect(r.end).toBe('menu');
  });

  it('goes back to the menu on Ctrl-C, an empty name asks again, and a DHCP failure is shown', () => {
    const cancelled = new Router().boot({ choices: ['nb-register', 'r-disk1'], reads: [null] });
    expect(cancelled.menus.map((m) => m.title.split(' ')[0])).toEqual(['netboot:', 'Register', 'netboot:']);
    const router = new Router();
    router.boot({ choices: ['nb-register', 'r-disk1'], reads: ['', 'named'] });
    expect(router.sent).toEqual([vendorClass('0x6b0f6000', 'disk1', 'named')]);
    const unsent = new Router().boot({ choices: ['nb-register', 'r-disk1'], reads: ['x'], failing: ['dhcp'] });
    expect(unsent.console.some((l) => l.startsWith('netboot: the registration request could not be sent (error 0x'))).toBe(true);
    expect(unsent.settings.has('vendor-class')).toBe(false);
  });
});
