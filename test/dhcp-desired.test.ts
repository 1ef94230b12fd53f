// netboot's dhcp sections per interface and for UEFI HTTP Boot clients (issue
// 13.4, 14.1): what desiredDhcp wants, what validate says, and that apply
// keeps the iPXE menu entries last (dnsmasq tries the last dhcp-boot first).
// The real dnsmasq answering these sections: test/dhcp-interfaces.test.ts.

import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { desiredDhcp, isMenuEntry } from '../src/dhcp/desired';
import { planDhcp } from '../src/dhcp/plan';
import { parseUci, type UciSection } from '../src/uci';
import { translateDhcp } from './e2e/lab/uci-dhcp';
import { makeRoot, netboot } from './helpers/bundle';
import { BASE, load, model, withOption } from './helpers/config';

const DHCP = readFileSync(resolve(__dirname, 'fixtures/dhcp/openwrt-24.10'), 'utf8');
const GUEST = `${DHCP}
config dhcp 'guest'
	option interface 'guest'
	option networkid 'gst'
	option start '100'
	option limit '50'

config dhcp 'iot'
	option interface 'iot'
	option dhcpv4 'disabled'

config dhcp 'other'
	option interface 'other'
	option instance 'second'
`;
const dhcp = (text = DHCP) => parseUci(text, 'dhcp');
const boots = (sections: UciSection[]) => sections.filter((s) => s.type === 'boot');
const opts = (s: UciSection) => Object.fromEntries(s.options);
const withList = (name: string, values: string[], text = BASE) =>
  text.replace("config netboot 'main'\n", `config netboot 'main'\n${values.map((v) => `\tlist ${name} '${v}'\n`).join('')}`);

describe('netboot.main.interfaces', () => {
  it('defaults to lan: every boot entry needs the lan tag, with the names they always had', () => {
    const d = desiredDhcp(model(), dhcp());
    expect(boots(d.sections).map((s) => [s.name, s.options.get('networkid')])).toEqual([
      ['netboot_boot_bios', 'netboot_bios,tag:!netboot_ipxe,tag:lan'],
      ['netboot_boot_efi64', 'netboot_efi64,tag:!netboot_ipxe,tag:lan'],
      ['netboot_boot_arm64', 'netboot_arm64,tag:!netboot_ipxe,tag:lan'],
      ['netboot_boot_ipxe', 'netboot_ipxe,tag:lan'],
    ]);
    expect(d.warnings).toEqual([]);
  });

  it("each interface gets its own entries (dnsmasq ANDs tags), tagged with its dhcp section's networkid, menu entries last", () => {
    const d = desiredDhcp(model(withList('interfaces', ['lan', 'guest'])), dhcp(GUEST));
    expect(boots(d.sections).map((s) => s.name)).toEqual([
      'netboot_boot_bios', 'netboot_boot_efi64', 'netboot_boot_arm64',
      'netboot_boot_bios_guest', 'netboot_boot_efi64_guest', 'netboot_boot_arm64_guest',
      'netboot_boot_ipxe', 'netboot_boot_ipxe_guest',
    ]);
    expect(opts(d.sections.find((s) => s.name === 'netboot_boot_ipxe_guest')!)).toEqual({ networkid: 'netboot_ipxe,tag:gst', filename: 'netboot/menu.ipxe' });
    expect(opts(d.sections.find((s) => s.name === 'netboot_boot_efi64_guest')!).networkid).toBe('netboot_efi64,tag:!netboot_ipxe,tag:gst');
    expect(d.sections.filter(isMenuEntry).map((s) => s.name)).toEqual(['netboot_boot_ipxe', 'netboot_boot_ipxe_guest']);
  });

  it.each([
    ['wan', "its dhcp section 'wan' has option ignore '1'"],
    ['iot', "its dhcp section 'iot' has option dhcpv4 'disabled'"],
    ['other', 'its dhcp section belongs to another dnsmasq instance (netboot configures the first)'],
    ['nosuch', `no "config dhcp" section in /etc/config/dhcp has option interface 'nosuch'`],
  ])('validate warns when %s is listed but dnsmasq serves no DHCP there', (iface, why) => {
    const m = model(withList('interfaces', ['lan', iface]));
    const plan = planDhcp(desiredDhcp(m, dhcp(GUEST)), dhcp(GUEST));
    expect(plan.warnings).toContainEqual({ where: 'netboot.main.interfaces', message: `"${iface}" is not an interface dnsmasq serves DHCP on (${why}), so no client there gets boot options` });
    expect(plan.errors).toEqual([]);
  });

  it.each(['lan,guest', 'tag:!x', 'br-lan', ''])('refuses %j, naming netboot.main.interfaces', (bad) => {
    const r = load(withList('interfaces', bad ? [bad] : ['lan', 'a b']));
    expect(r.errors.map((e) => e.where)).toEqual(['netboot.main.interfaces']);
    expect(r.errors[0]!.message).toMatch(/is not allowed; use the name of an OpenWrt interface like lan or guest/);
  });

  it('a second interface added to an applied router: its entries come before the menu entries, and a second plan is empty', () => {
    const root = makeRoot({ netboot: BASE, dhcp: GUEST });
    expect(netboot(['--root', root, 'apply']).status).toBe(0);
    const file = () => parseUci(readFileSync(join(root, 'etc/config/dhcp'), 'utf8'), 'dhcp');
    writeFileSync(join(root, 'etc/config/netboot'), withList('interfaces', ['lan', 'guest']));
    const r = netboot(['--root', root, 'apply']);
    expect(r.status, r.stderr).toBe(0);
    expect(boots(file().sections).slice(-2).map((s) => s.name)).toEqual(['netboot_boot_ipxe', 'netboot_boot_ipxe_guest']);
    expect(JSON.parse(netboot(['--root', root, 'plan', '--json']).stdout).dhcp.sections).toEqual([]);
    // dnsmasq.init turns them into dhcp-boot lines; dnsmasq tries the last one first.
    const lines = translateDhcp(readFileSync(join(root, 'etc/config/dhcp'), 'utf8'), (p) => p).filter((l) => l.startsWith('dhcp-boot='));
    expect(lines.slice(-2)).toEqual(['dhcp-boot=tag:netboot_ipxe,tag:lan,netboot/menu.ipxe', 'dhcp-boot=tag:netboot_ipxe,tag:gst,netboot/menu.ipxe']);
  });
});

describe('UEFI HTTP Boot clients (client-arch 16, 19)', () => {
  const http = (sections: UciSection[]) => sections.filter((s) => /http/.test(s.name)).map((s) => [s.type, s.name, opts(s)]);

  it('get nothing without an HTTP URL, and validate says why in one line', () => {
    expect(http(desiredDhcp(model(), dhcp()).sections)).toEqual([]);
    const root = makeRoot({ netboot: BASE, dhcp: DHCP });
    const r = netboot(['--root', root, 'validate']);
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n').filter((l) => /HTTP Boot/.test(l))).toEqual([
      'netboot: UEFI HTTP Boot clients get no boot file: netboot.main.boot_url is unset (the HTTP folder where the router serves the TFTP root); see "UEFI HTTP Boot" in the README',
    ]);
  });

  it('validate --json and status --json carry that line as http_boot, with the folder the loaders come from', () => {
    const json = (root: string, command: string) => JSON.parse(netboot(['--root', root, command, '--json']).stdout) as { http_boot: { url: string | null; message: string } | null };
    const line = (root: string) => netboot(['--root', root, 'validate']).stdout.split('\n').find((l) => /HTTP Boot/.test(l))!.replace(/^netboot: /, '');
    const unset = makeRoot({ netboot: BASE, dhcp: DHCP });
    expect(json(unset, 'validate').http_boot).toEqual({ url: null, message: line(unset) });
    expect(json(unset, 'status').http_boot).toEqual(json(unset, 'validate').http_boot);
    const set = makeRoot({ netboot: withOption('main', 'boot_url', 'http://192.168.1.1/tftp'), dhcp: DHCP });
    expect(json(set, 'validate').http_boot).toEqual({
      url: 'http://192.168.1.1/tftp/',
      message: 'UEFI HTTP Boot clients get http://192.168.1.1/tftp/snponly.efi (arm64: http://192.168.1.1/tftp/arm64/snponly.efi), from boot_url',
    });
    expect(line(set)).toBe(json(set, 'validate').http_boot!.message);
    // No boot options at all: nothing to say about HTTP Boot, as text validate says nothing.
    for (const netbootText of [withOption('main', 'enabled', '0'), withOption('main', 'boot_url', 'ftp://x/')]) {
      const root = makeRoot({ netboot: netbootText, dhcp: DHCP });
      expect(json(root, 'validate').http_boot).toBeNull();
      expect(json(root, 'status').http_boot).toBeNull();
      expect(netboot(['--root', root, 'validate']).stdout).not.toMatch(/HTTP Boot/);
    }
  });

  it('get the loader as a URL under boot_url, with option 60 HTTPClient; iPXE clients are excluded by tag', () => {
    const d = desiredDhcp(model(withOption('main', 'boot_url', 'http://192.168.1.1/tftp')), dhcp());
    expect(http(d.sections)).toEqual([
      ['match', 'netboot_http64', { networkid: 'netboot_http64', match: 'option:client-arch,16' }],
      ['match', 'netboot_httparm64', { networkid: 'netboot_httparm64', match: 'option:client-arch,19' }],
      ['boot', 'netboot_boot_http64', { networkid: 'netboot_http64,tag:!netboot_ipxe,tag:lan', filename: 'http://192.168.1.1/tftp/snponly.efi', dhcp_option: ['60,HTTPClient'] }],
      ['boot', 'netboot_boot_httparm64', { networkid: 'netboot_httparm64,tag:!netboot_ipxe,tag:lan', filename: 'http://192.168.1.1/tftp/arm64/snponly.efi', dhcp_option: ['60,HTTPClient'] }],
    ]);
    // The iPXE menu entry stays last: an iPXE client started by HTTP Boot gets the menu, not the loader again.
    expect(boots(d.sections).at(-1)!.name).toBe('netboot_boot_ipxe');
  });

  it('take the TFTP root from http_url when that serves its netboot/ folder, and nothing from another folder', () => {
    const from = (url: string) => http(desiredDhcp(model(withOption('main', 'http_url', url)), dhcp()).sections).filter(([t]) => t === 'boot').map(([, , o]) => (o as { filename: string }).filename);
    expect(from('http://192.168.1.1/tftp/netboot/')).toEqual(['http://192.168.1.1/tftp/snponly.efi', 'http://192.168.1.1/tftp/arm64/snponly.efi']);
    expect(from('http://192.168.1.1/menus/')).toEqual([]);
    expect(from('tftp://192.168.1.1/netboot/')).toEqual([]);
  });

  it.each(['tftp://192.168.1.1/', 'http://192.168.1.1/{arch}/', 'http://192.168.1.1/a,b/', 'http://x/?a=1'])('refuses boot_url %j, naming netboot.main.boot_url', (bad) => {
    const r = load(withOption('main', 'boot_url', bad));
    expect(r.errors.map((e) => e.where)).toEqual(['netboot.main.boot_url']);
    expect(r.errors[0]!.message).toContain('an http:// (or https://) URL of the folder where the router serves the TFTP root');
  });
});
