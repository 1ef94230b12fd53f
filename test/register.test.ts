// Registration's meaning (src/register): a request as dnsmasq reports it, the
// host it adds or the refusal it gets, the log that keeps answers for PCs.
import { describe, expect, it } from 'vitest';
import { parseEvent, type DhcpEvent } from '../src/journeys/events';
import type { SpooledEvent } from '../src/journeys/spool';
import { parseLog } from '../src/register/log';
import { decide, EMPTY_LOG, MAX_ANSWERS, register, REQUEST_TTL_MS, type RegisterLog } from '../src/register/register';
import { MAX_REQUEST, MAX_TARGET, parseRequest, REQUEST_PREFIX, type RegisterRequest } from '../src/register/request';
import { parseUci, serializeUci } from '../src/uci';
import { BASE, load, withOption } from './helpers/config';
import { vendorClass } from './helpers/register';


const ON = withOption('main', 'registration', '1');
const pkg = (text = ON) => parseUci(text, 'netboot');
const MAC = '52:54:00:00:00:42';
const NOW = 1_796_170_000_000;
const req = (over: Partial<RegisterRequest> = {}): RegisterRequest => ({ mac: MAC, attempt: '0x6b0f6000', target: 'disk2', name: 'lab-pc', ...over });

const dhcp = (vendorclass: string | null, mac = MAC, action: DhcpEvent['action'] = 'update'): DhcpEvent => ({
  source: 'dhcp',
  action,
  mac,
  ip: '192.168.1.150',
  hostname: null,
  vendorclass,
  userclass: ['iPXE'],
  tags: ['netboot_bios', 'netboot_ipxe'],
});
const at = (time: number, event: SpooledEvent['event']): SpooledEvent => ({ time, event });

describe('the request in the vendor class', () => {
  it('reads attempt, target and the hex name', () => {
    expect(parseRequest(MAC, vendorClass('0x6b0f6000', 'disk2', 'Lab-PC'))).toEqual(req({ name: 'Lab-PC' }));
    expect(parseRequest(MAC, `${REQUEST_PREFIX}0x17:disk2:4142`)).toEqual(req({ attempt: '0x17', name: 'AB' }));
  });

  it('ignores other vendor classes and requests without an attempt to answer', () => {
    for (const v of [null, '', 'PXEClient:Arch:00000:UNDI:002001', 'netboot-registe:1:disk2:41', `${REQUEST_PREFIX}:disk2:41`, `${REQUEST_PREFIX}0x12g:disk2:41`, `${REQUEST_PREFIX}1796170000:disk2:41`, `${REQUEST_PREFIX}0x123456789:d:41`]) {
      expect(parseRequest(MAC, v), String(v)).toBeUndefined();
    }
  });

  it('answers a request it cannot read, saying so', () => {
    expect(parseRequest(MAC, `${REQUEST_PREFIX}0x5:disk2`)).toMatchObject({ attempt: '0x5', unreadable: expect.stringContaining('form') });
    expect(parseRequest(MAC, `${REQUEST_PREFIX}0x5:disk2:41:42`)).toMatchObject({ unreadable: expect.stringContaining('form') });
    expect(parseRequest(MAC, `${REQUEST_PREFIX}0x5:disk2:4`)).toMatchObject({ unreadable: 'the name in the request was not hex' });
    expect(parseRequest(MAC, `${REQUEST_PREFIX}0x5:disk2:zz`)).toMatchObject({ unreadable: 'the name in the request was not hex' });
  });

  it('fits one DHCP option with the longest name and target it allows, which the spool keeps whole', () => {
    const longest = vendorClass('0xffffffff', 't'.repeat(MAX_TARGET), 'n'.repeat(63));
    expect(longest.length).toBe(MAX_REQUEST);
    const event = { source: 'dhcp', action: 'update', mac: MAC, ip: '192.168.1.150' };
    expect(parseEvent({ ...event, vendorclass: longest })).toMatchObject({ vendorclass: longest });
    expect(() => parseEvent({ ...event, vendorclass: `${longest}0` })).toThrow(`vendorclass is longer than ${MAX_REQUEST} characters`);
  });
});

describe('what a request means', () => {
  it('adds a host named after the typed name, booting the chosen target with no key', () => {
    const d = decide(pkg(), undefined, req({ name: 'Lab-PC' }), NOW);
    expect(d.answer).toEqual({ mac: MAC, attempt: '0x6b0f6000', ok: true, time: NOW, message: 'this PC is now the host lab-pc; it boots Disk two with no key from now on' });
    expect(d.host).toMatchObject({ type: 'host', name: 'lab_pc', anonymous: false });
    expect(Object.fromEntries(d.host!.options)).toEqual({ mac: MAC, hostname: 'lab-pc', target: 'disk2', action: 'boot' });
    // The config with it added is valid, and the host is what a hand-written one would be.
    const after = load(`${ON}\n${serializeUci({ name: 'netboot', sections: [d.host!] })}`);
    expect(after.errors).toEqual([]);
    expect(after.model!.hosts.find((h) => h.mac === MAC)).toMatchObject({ name: 'lab_pc', hostname: 'lab-pc', target: 'disk2', action: 'boot', initiatorIqn: 'iqn.2010-04.org.ipxe:52-54-00-00-00-42' });
  });

  const refused = (text: string, r: RegisterRequest) => {
    const d = decide(pkg(text), undefined, r, NOW);
    expect(d.host).toBeUndefined();
    expect(d.answer.ok).toBe(false);
    return d.answer.message;
  };

  it.each([
    ['registration is off', BASE, req(), 'registration refused: registration is off on the router (netboot.main.registration)'],
    ['registration is off explicitly', withOption('main', 'registration', '0'), req(), /registration is off/],
    ['the MAC is a host already', ON, req({ mac: '52:54:00:00:00:01' }), 'registration refused: this PC is already the host pc1'],
    ['an unknown target', ON, req({ target: 'disk9' }), 'registration refused: the router has no target "disk9" for registration (any more)'],
    ['a target that is no name', ON, req({ target: '${x}' }), 'registration refused: the router has no target that name for registration (any more)'],
    ['an empty name', ON, req({ name: '' }), /"" is not a host name; use letters, digits and "-" \(not first or last\), at most 63 characters/],
    ['a name with a space', ON, req({ name: 'lab pc' }), /"lab pc" is not a host name/],
    ['a name with "_"', ON, req({ name: 'lab_pc' }), /"lab_pc" is not a host name/],
    ['a name ending in "-"', ON, req({ name: 'lab-' }), /is not a host name/],
    ['a name of 64 characters', ON, req({ name: 'a'.repeat(64) }), /is not a host name/],
    ['a name iPXE would expand', ON, req({ name: '${password}' }), 'registration refused: that name is not a host name; use letters, digits and "-" (not first or last), at most 63 characters'],
    ['a name that would end the command', ON, req({ name: 'a || shell' }), /that name is not a host name/],
    ['non-ASCII bytes', ON, req({ name: 'caf\xe9' }), /that name is not a host name/],
    ['a name taken by a host', ON, req({ name: 'pc1' }), 'registration refused: the name "pc1" is taken; type another'],
    ['a name taken by a target', ON, req({ name: 'DISK1'.toLowerCase() }), /the name "disk1" is taken/],
    ['a name taken once "-" becomes "_"', `${ON}\nconfig host 'lab_pc'\n\toption mac '52:54:00:00:00:07'\n`, req(), /the name "lab-pc" is taken/],
    ['a config with errors', withOption('disk1', 'lun', 'x', ON), req(), /the router's netboot config has errors \("netboot validate" says which\)/],
  ])('refuses %s', (_, text, r, message) => {
    expect(refused(text, r)).toMatch(message);
  });

  it('validates the new host as any config: an initiator IQN the name makes too long is refused, naming the option', () => {
    const longIqn = `iqn.2010-04.org.${['a', 'b', 'c'].map((c) => c.repeat(50)).join('.')}:{hostname}`;
    const text = withOption('main', 'initiator_iqn', longIqn, ON);
    expect(decide(pkg(text), undefined, req({ name: 'short' }), NOW).answer.ok).toBe(true);
    expect(refused(text, req({ name: 'n'.repeat(63) }))).toMatch(/^registration refused: netboot\.n{63}\.initiator_iqn: "iqn\.2010-04\.org\.a+\.b+\.c+:n{63}" is not allowed; use an iSCSI name per RFC 3720/);
  });

  it('leaves out targets whose names do not fit a request, and validate says so while registration is on', () => {
    const long = 't'.repeat(MAX_TARGET + 1);
    const text = `${ON}\nconfig target '${long}'\n\toption iqn 'iqn.2024-01.lan.nas:x'\n`;
    expect(refused(text, req({ target: long }))).toMatch(/has no target "t+" for registration/);
    expect(load(text).warnings).toEqual([
      { where: 'netboot.main.registration', message: expect.stringContaining('any PC on a served DHCP interface can add itself as a host') },
      { where: `netboot.${long}`, message: `is not offered for registration: a registration request has room for target names of at most ${MAX_TARGET} characters` },
    ]);
    expect(load(BASE).warnings).toEqual([]);
  });
});

describe('requests from the spool', () => {
  const spool = (...events: SpooledEvent[]) => events;
  const run = (events: SpooledEvent[], log: RegisterLog = EMPTY_LOG, text = ON, now = NOW) => register(log, events, pkg(text), undefined, now);

  it('answers each request once, and marks the spool up to the newest one read', () => {
    const events = spool(at(NOW - 3000, dhcp('PXEClient:Arch:00000:UNDI:002001')), at(NOW - 2000, dhcp(vendorClass('0x100', 'disk1', 'a1'))), at(NOW - 1000, { source: 'tftp', action: 'add', ip: '192.168.1.150', path: '/srv/tftp/x', size: 1, mac: null }));
    const first = run(events);
    expect(first.hosts.map((h) => h.name)).toEqual(['a1']);
    expect(first.log).toEqual({ until: NOW - 2000, answers: [expect.objectContaining({ mac: MAC, attempt: '0x100', ok: true })] });
    // The next apply sees the same spool: nothing new.
    const again = run(events, first.log, `${ON}\n${serializeUci({ name: 'netboot', sections: first.hosts })}`);
    expect(again).toEqual({ hosts: [], log: first.log });
  });

  it('skips requests its PC no longer waits for, and release events', () => {
    const old = run(spool(at(NOW - REQUEST_TTL_MS - 1, dhcp(vendorClass('0x1', 'disk1', 'late')))));
    expect(old.hosts).toEqual([]);
    expect(old.log).toEqual({ until: NOW - REQUEST_TTL_MS - 1, answers: [] });
    expect(run(spool(at(NOW, dhcp(vendorClass('0x1', 'disk1', 'gone'), MAC, 'remove'))))).toEqual({ hosts: [], log: EMPTY_LOG });
  });

  it('gives a name to the first PC asking for it and refuses the second', () => {
    const other = '52:54:00:00:00:43';
    const r = run(spool(at(NOW - 2, dhcp(vendorClass('0x7', 'disk1', 'twin'))), at(NOW - 1, dhcp(vendorClass('0x9', 'disk2', 'twin'), other))));
    expect(r.hosts.map((h) => h.options.get('mac'))).toEqual([MAC]);
    expect(r.log.answers).toEqual([
      expect.objectContaining({ mac: MAC, ok: true }),
      expect.objectContaining({ mac: other, attempt: '0x9', ok: false, message: 'registration refused: the name "twin" is taken; type another' }),
    ]);
  });

  it('keeps the latest answer per PC: a retry after a refusal replaces it', () => {
    const r = run(spool(at(NOW - 2, dhcp(vendorClass('0x7', 'disk1', 'bad name'))), at(NOW - 1, dhcp(vendorClass('0x8', 'disk1', 'good')))));
    expect(r.log.answers).toEqual([expect.objectContaining({ mac: MAC, attempt: '0x8', ok: true })]);
    // The same request reported twice is answered once.
    const twice = run(spool(at(NOW - 2, dhcp(vendorClass('0x8', 'disk1', 'good'))), at(NOW - 1, dhcp(vendorClass('0x8', 'disk1', 'good')))));
    expect(twice.hosts).toHaveLength(1);
    expect(twice.log.answers).toEqual([expect.objectContaining({ attempt: '0x8', ok: true })]);
  });

  it('refuses every request while the config does not parse', () => {
    expect(register(EMPTY_LOG, spool(at(NOW, dhcp(vendorClass('0x5', 'disk1', 'x')))), undefined, undefined, NOW)).toEqual({
      hosts: [],
      log: { until: NOW, answers: [expect.objectContaining({ ok: false, message: expect.stringContaining('config has errors') })] },
    });
  });

  it('answers a request it could not read', () => {
    expect(run(spool(at(NOW, dhcp(`${REQUEST_PREFIX}0x5:disk1:zz`)))).log.answers).toEqual([
      { mac: MAC, attempt: '0x5', ok: false, time: NOW, message: 'registration refused: the name in the request was not hex' },
    ]);
  });

  it(`keeps at most ${MAX_ANSWERS} answers, dropping the oldest`, () => {
    const macs = Array.from({ length: MAX_ANSWERS + 3 }, (_, i) => `52:54:00:00:01:${i.toString(16).padStart(2, '0')}`);
    const r = run(macs.map((m, i) => at(NOW - 100 + i, dhcp(vendorClass('0x1', 'disk1', `pc-${i}`), m))));
    expect(r.hosts).toHaveLength(macs.length);
    expect(r.log.answers.map((a) => a.mac)).toEqual(macs.slice(3));
  });
});

describe('the registration log', () => {
  const answer = { mac: MAC, attempt: '0x12', ok: true, message: 'fine', time: 5 };

  it('reads back what was written', () => {
    const log = { until: 7, answers: [answer] };
    expect(parseLog(JSON.stringify(log))).toEqual(log);
  });

  it.each([
    ['missing', undefined],
    ['not JSON', '{'],
    ['not an object', '[1]'],
  ])('starts empty when the file is %s', (_, text) => {
    expect(parseLog(text)).toEqual(EMPTY_LOG);
  });

  it('drops answers that could not be rendered as they are', () => {
    const bad = [
      { ...answer, mac: '52-54-00-00-00-42' },
      { ...answer, mac: 'ff:ff:ff:ff:ff:ff:ff' },
      { ...answer, attempt: '0x1 || shell' },
      { ...answer, attempt: '12' },
      { ...answer, message: 'x ${password}' },
      { ...answer, message: 'a\nb' },
      { ...answer, ok: 'yes' },
      { ...answer, time: -1 },
      null,
    ];
    expect(parseLog(JSON.stringify({ until: 'x', answers: [...bad, answer] }))).toEqual({ until: 0, answers: [answer] });
  });
});
