// /etc/config/netboot (+ dhcp's tftp_root) → the validated Model, or the list
// of problems that stops it. Pure: no file access here.

import type { UciPackage, UciSection, UciValue } from '../uci';
import { nameProblem } from '../ipxe/escape';
import { fixedImages, imageName, imageProblem } from '../ipxe/images';
import {
  ACTIONS,
  INSTALLER_KINDS,
  type Action,
  type Chap,
  type Host,
  type Installer,
  type InstallerKind,
  type InstallerSpec,
  type LoadResult,
  type Model,
  type Problem,
  type Settings,
  type Target,
} from './model';
import { MAX_TARGET, registrable } from '../register/request';
import { SectionReader } from './section';
import {
  checkAbsolutePath,
  checkBaseUrl,
  checkHostname,
  checkHttpBaseUrl,
  checkInt,
  checkIqn,
  checkMac,
  checkPort,
  checkServer,
  checkTftpFile,
  checkTftpRoot,
  checkUrl,
  IQN_RULE,
  isAbsoluteUrl,
  joinUrl,
  URL_RULE,
} from './values';

const PKG = 'netboot';
export const DEFAULT_TFTP_ROOT = '/srv/tftp';
export const DEFAULT_INITIATOR_IQN = 'iqn.2010-04.org.ipxe:{mac}';
const MAX_TIMEOUT = 3600;

const oneOf =
  <T extends string>(allowed: readonly T[]) =>
  (s: string) =>
    (allowed as readonly string[]).includes(s)
      ? { ok: true as const, value: s as T }
      : { ok: false as const, allowed: `one of ${allowed.join(', ')}` };

const checkTimeout = (s: string) => checkInt(s, 0, MAX_TIMEOUT, 'seconds (0 waits for a key)');
const checkUnixTime = (s: string) => checkInt(s, 0, 2 ** 32 - 1, 'unix seconds');
const checkLun = (s: string) => checkInt(s, 0, 65535, 'a LUN');

/** Expands an initiator IQN template for a known host, or with sample values to validate it. */
export function expandIqnTemplate(template: string, mac: string, hostname: string): string {
  return template.replaceAll('{mac}', mac.replaceAll(':', '-')).replaceAll('{hostname}', hostname);
}

function checkIqnTemplate(s: string) {
  const c = checkIqn(expandIqnTemplate(s, '52:54:00:12:34:56', 'host'));
  return c.ok ? { ok: true as const, value: s } : { ok: false as const, allowed: `${IQN_RULE}; {mac} and {hostname} are filled in per client` };
}

/** The section holding netboot's settings: the one named main, else the first of its type. */
export function mainSection(netboot: UciPackage): UciSection | undefined {
  const mains = netboot.sections.filter((x) => x.type === 'netboot');
  return mains.find((x) => x.name === 'main') ?? mains[0];
}

const dnsmasqTftpRoot = (dhcp: UciPackage | undefined) => dhcp?.sections.find((x) => x.type === 'dnsmasq')?.options.get('tftp_root');

/**
 * The TFTP root: netboot.main.tftp_root, else dnsmasq's tftp_root, else
 * /srv/tftp. A value that is not an absolute path, or is a system directory,
 * is passed over (validation reports it).
 */
export function resolveTftpRoot(own: UciValue | undefined, dhcp: UciPackage | undefined): string {
  for (const v of [own, dnsmasqTftpRoot(dhcp)]) {
    if (typeof v !== 'string' || v === '') continue;
    const c = checkTftpRoot(v);
    if (c.ok) return c.value;
  }
  return DEFAULT_TFTP_ROOT;
}

function loadSettings(r: SectionReader, dhcp: UciPackage | undefined): Settings {
  // Reports a bad value; resolveTftpRoot skips it. Unset, netboot takes over
  // dnsmasq's folder, which must then pass the same check.
  if (r.checked('tftp_root', checkTftpRoot) === undefined && r.raw('tftp_root') === undefined) {
    const inherited = dnsmasqTftpRoot(dhcp);
    const c = typeof inherited === 'string' && checkAbsolutePath(inherited).ok ? checkTftpRoot(inherited) : undefined;
    if (c && !c.ok) r.error('tftp_root', `unset, so netboot would use dnsmasq's tftp_root ${JSON.stringify(inherited)}; set it to ${c.allowed}`);
  }
  // URLs iPXE is given as text must be text iPXE can carry.
  const url = (o: string) => {
    const v = r.text(o);
    return v === undefined ? undefined : r.apply(o, v, checkBaseUrl);
  };
  return {
    enabled: r.bool('enabled', true),
    tftpRoot: resolveTftpRoot(r.section.options.get('tftp_root'), dhcp),
    menuTimeout: r.checked('menu_timeout', checkTimeout, 0),
    menuDefault: r.raw('menu_default') ?? 'exit',
    iscsiServer: r.checked('iscsi_server', checkServer),
    iscsiPort: r.checked('iscsi_port', checkPort, 3260),
    baseIqn: r.checked('base_iqn', checkIqn),
    installerUrl: url('installer_url'),
    initiatorIqn: r.checked('initiator_iqn', checkIqnTemplate) ?? DEFAULT_INITIATOR_IQN,
    httpUrl: url('http_url'),
    bootUrl: r.checked('boot_url', checkHttpBaseUrl),
    interfaces: interfaces(r),
    bootloaders: {
      bios: r.checked('bootloader_bios', checkTftpFile, 'undionly.kpxe'),
      efi64: r.checked('bootloader_efi64', checkTftpFile, 'snponly.efi'),
      arm64: r.checked('bootloader_arm64', checkTftpFile, 'arm64/snponly.efi'),
    },
    registration: r.bool('registration', false),
  };
}

/** OpenWrt's interface names, as dnsmasq.init turns them into DHCP tags: no commas or "!" that would change a tag list. */
function interfaces(r: SectionReader): string[] {
  const names = r.rawList('interfaces');
  const bad = names.filter((n) => !/^[A-Za-z0-9_]+$/.test(n));
  for (const n of bad) r.error('interfaces', `${JSON.stringify(n)} is not allowed; use the name of an OpenWrt interface like lan or guest (letters, digits and "_")`);
  const good = [...new Set(names.filter((n) => !bad.includes(n)))];
  return good.length || bad.length ? good : ['lan'];
}

function loadChap(r: SectionReader): Chap | undefined {
  const secret = (o: string) => {
    const v = r.text(o);
    if (v !== undefined && /\s/.test(v)) {
      r.error(o, 'must not contain spaces: iPXE cannot carry them in a CHAP secret');
      return undefined;
    }
    return v;
  };
  const [user, pass, ruser, rpass] = ['chap_username', 'chap_password', 'reverse_chap_username', 'reverse_chap_password'].map(secret);
  if (!user !== !pass) {
    r.error(user ? 'chap_password' : 'chap_username', 'CHAP needs both chap_username and chap_password');
    return undefined;
  }
  if (!ruser !== !rpass) {
    r.error(ruser ? 'reverse_chap_password' : 'reverse_chap_username', 'mutual CHAP needs both reverse_chap_username and reverse_chap_password');
    return undefined;
  }
  if (ruser && !user) {
    r.error('reverse_chap_username', 'mutual CHAP also needs chap_username and chap_password (iPXE refuses reverse credentials alone)');
    return undefined;
  }
  if (!user || !pass) return undefined;
  return { username: user, password: pass, ...(ruser && rpass ? { reverseUsername: ruser, reversePassword: rpass } : {}) };
}

function loadTarget(r: SectionReader, s: Settings): Target | undefined {
  const errorsBefore = r.errorCount();
  const iqnOpt = r.checked('iqn', checkIqn);
  const suffix = r.raw('iqn_suffix');
  let iqn = iqnOpt;
  if (iqnOpt && suffix) r.error('iqn_suffix', 'set either iqn or iqn_suffix, not both');
  else if (suffix !== undefined) {
    if (!s.baseIqn) r.error('iqn_suffix', `${JSON.stringify(suffix)} needs netboot.main.base_iqn to be set (the full name is base_iqn:iqn_suffix)`);
    else iqn = r.apply('iqn_suffix', `${s.baseIqn}:${suffix}`, (full) => {
      const c = checkIqn(full);
      return c.ok ? c : { ok: false, allowed: `a suffix that makes ${JSON.stringify(full)} ${IQN_RULE}` };
    });
  } else if (!iqnOpt && r.raw('iqn') === undefined) r.error('iqn', 'a target needs iqn (the full iSCSI name) or iqn_suffix (appended to base_iqn)');
  const server = r.checked('server', checkServer) ?? s.iscsiServer;
  if (!server && r.raw('server') === undefined) r.error('server', 'no iSCSI server: set netboot.main.iscsi_server or this target\'s server');
  const target: Target = {
    name: r.section.name,
    // uci's generated name (cfg030f15) says nothing in a menu; the IQN does.
    title: r.text('title') ?? (r.section.anonymous ? (iqn ?? '') : r.section.name),
    iqn: iqn ?? '',
    server: server ?? '',
    port: r.checked('port', checkPort) ?? s.iscsiPort,
    lun: r.checked('lun', checkLun, 0),
    installers: r.rawList('installer'),
    sanFilename: r.text('san_filename'),
    chap: loadChap(r),
  };
  return r.errorCount() === errorsBefore ? target : undefined;
}

/** A path or URL for an installer file: relative ones hang off installer_url. */
function installerUrl(r: SectionReader, option: string, value: string, s: Settings, base?: string): string | undefined {
  if (r.safeText(option, value) === undefined) return undefined;
  if (isAbsoluteUrl(value)) return r.apply(option, value, checkUrl);
  const root = base ?? s.installerUrl;
  if (!root) {
    r.error(option, `the relative path ${JSON.stringify(value)} needs netboot.main.installer_url (or give a full URL: ${URL_RULE})`);
    return undefined;
  }
  return r.apply(option, joinUrl(root, value), checkUrl);
}

function loadInstaller(r: SectionReader, s: Settings): Installer | undefined {
  const errorsBefore = r.errorCount();
  const kind = r.checked('kind', oneOf<InstallerKind>(INSTALLER_KINDS));
  if (!kind && r.raw('kind') === undefined) r.error('kind', `missing; use one of ${INSTALLER_KINDS.join(', ')}`);
  const pathOpt = r.raw('path');
  const base = pathOpt === undefined ? undefined : installerUrl(r, 'path', pathOpt.endsWith('/') ? pathOpt : `${pathOpt}/`, s);
  const url = (o: string, fallback?: string) => {
    const v = r.raw(o) ?? fallback;
    if (v === undefined) {
      r.error(o, `missing; a ${kind} installer needs ${o}`);
      return '';
    }
    return installerUrl(r, o, v, s, base) ?? '';
  };
  // Initrds and injected files: iPXE loads each as an image named after its file.
  const images = (o: string, fallback: string[]) => {
    const list = r.rawList(o);
    const taken = kind ? fixedImages(kind) : [];
    for (const v of list) {
      const p = imageProblem(v, taken);
      if (p) r.error(o, `${JSON.stringify(v)} is not allowed: ${p}`);
      taken.push(imageName(v));
    }
    return (list.length ? list : fallback).map((v) => installerUrl(r, o, v, s, base) ?? '');
  };
  const args = () => r.text('args') ?? '';
  let spec: InstallerSpec | undefined;
  switch (kind) {
    case 'debian-installer': {
      const preseed = r.raw('preseed');
      spec = { kind, kernel: url('kernel', 'linux'), initrds: images('initrd', ['initrd.gz']), args: args() };
      if (preseed !== undefined) spec.preseed = installerUrl(r, 'preseed', preseed, s, base) ?? '';
      break;
    }
    case 'linux':
      spec = { kind, kernel: url('kernel'), initrds: images('initrd', []), args: args() };
      break;
    case 'windows':
      spec = {
        kind,
        wimboot: installerUrl(r, 'wimboot', r.raw('wimboot') ?? 'wimboot', s) ?? '',
        path: base ?? (r.error('path', 'missing; a windows installer needs path, the WinPE folder holding bootmgr, boot/bcd, boot/boot.sdi and sources/boot.wim'), ''),
        args: args(),
        injects: images('inject', []),
      };
      break;
    case 'iso':
      spec = { kind, url: url('url') };
      break;
    case 'chain':
      spec = { kind, url: url('url'), args: args() };
      break;
    case undefined:
      break;
  }
  const title = r.text('title') ?? r.section.name;
  return spec && r.errorCount() === errorsBefore ? { name: r.section.name, title, spec } : undefined;
}

function loadHost(r: SectionReader, s: Settings): Host | undefined {
  const errorsBefore = r.errorCount();
  const mac = r.checked('mac', checkMac);
  if (!mac && r.raw('mac') === undefined) r.error('mac', 'missing; a host is found by its MAC address, like 52:54:00:12:34:56');
  const hostname = r.checked('hostname', checkHostname);
  const target = r.raw('target');
  const installer = r.raw('installer');
  const action = r.checked('action', oneOf<Action>(ACTIONS), 'menu');
  const template = r.checked('initiator_iqn', checkIqnTemplate) ?? s.initiatorIqn;
  // {hostname} falls back to the section name, made IQN-safe ("_" is not allowed there).
  const iqnName = hostname ?? (r.section.anonymous ? (mac ?? '').replaceAll(':', '-') : r.section.name.replaceAll('_', '-').toLowerCase());
  const initiatorIqn = r.apply('initiator_iqn', expandIqnTemplate(template, mac ?? '00:00:00:00:00:00', iqnName), checkIqn);
  const host: Host = {
    name: r.where().slice(PKG.length + 1),
    ...loadTasks(r),
    mac: mac ?? '',
    hostname,
    target,
    action,
    installer,
    initiatorIqn: initiatorIqn ?? '',
    menuTimeout: r.checked('menu_timeout', checkTimeout),
    undionly: r.bool('undionly', false),
  };
  return r.errorCount() === errorsBefore ? host : undefined;
}

/**
 * The host's one-shot task and the last one it ran. `next_since` is stamped
 * by netboot (`netboot task`, or the apply after a task set by hand); 0 until
 * then. A since with no task is what a hand edit left behind: harmless.
 */
function loadTasks(r: SectionReader): Pick<Host, 'task' | 'lastTask'> {
  const action = r.checked('next_action', oneOf<Action>(ACTIONS));
  const installer = r.raw('next_installer');
  const since = r.checked('next_since', checkUnixTime, 0);
  const lastAction = r.checked('last_action', oneOf<Action>(ACTIONS));
  const lastInstaller = r.raw('last_installer');
  const lastTime = r.checked('last_time', checkUnixTime, 0);
  if (installer !== undefined && r.raw('next_action') === undefined) {
    r.error('next_installer', `${JSON.stringify(installer)} goes with next_action "install", which is not set; set it, or delete next_installer`);
  }
  return {
    ...(action ? { task: { action, since, ...(installer ? { installer } : {}) } } : {}),
    ...(lastAction ? { lastTask: { action: lastAction, time: lastTime, ...(lastInstaller ? { installer: lastInstaller } : {}) } } : {}),
  };
}

/** What a host's installer option or next_installer may name: an installer its target offers. */
function installerProblem(installer: string, installers: Set<string>, target: Target | undefined, list: (names: Set<string>) => string): string | undefined {
  if (!installers.has(installer)) return `${JSON.stringify(installer)} is not an installer; use one of: ${list(installers)}`;
  if (target && target.installers.length && !target.installers.includes(installer)) {
    return `${JSON.stringify(installer)} is not offered by target ${target.name}; its installers are: ${target.installers.join(', ')}`;
  }
  return undefined;
}

/**
 * Cross-references: names that must exist, MACs that must be unique. Names are
 * those declared, valid or not, so one bad target does not also make every
 * reference to it an error. `label` is how errors name a section.
 */
function checkReferences(m: Model, declared: (type: string) => Set<string>, label: (type: string, name: string) => string, errors: Problem[]): void {
  const targets = declared('target');
  const installers = declared('installer');
  const err = (section: string, option: string, message: string) => errors.push({ where: `${PKG}.${section}.${option}`, message });
  const list = (names: Set<string>) => (names.size ? [...names].join(', ') : 'none are configured');

  if (m.settings.menuDefault !== 'exit' && !targets.has(m.settings.menuDefault)) {
    err(label('netboot', 'main'), 'menu_default', `${JSON.stringify(m.settings.menuDefault)} is not a target; use "exit" or one of: ${list(targets)}`);
  }
  for (const t of m.targets) {
    for (const i of t.installers) {
      if (!installers.has(i)) err(label('target', t.name), 'installer', `${JSON.stringify(i)} is not an installer; use one of: ${list(installers)}`);
    }
  }
  const byMac = new Map<string, string>();
  for (const h of m.hosts) {
    const other = byMac.get(h.mac);
    if (other) err(h.name, 'mac', `${JSON.stringify(h.mac)} is already used by host ${other}; each MAC may appear once`);
    byMac.set(h.mac, h.name);
    const target = h.target === undefined ? undefined : m.targets.find((t) => t.name === h.target);
    if (h.target !== undefined && !targets.has(h.target)) err(h.name, 'target', `${JSON.stringify(h.target)} is not a target; use one of: ${list(targets)}`);
    if (h.action !== 'menu' && h.target === undefined) err(h.name, 'target', `missing; action "${h.action}" needs a target to ${h.action === 'boot' ? 'boot' : 'install onto'}`);
    const offered = h.installer === undefined ? undefined : installerProblem(h.installer, installers, target, list);
    if (offered) err(h.name, 'installer', offered);
    else if (h.action === 'install' && h.installer === undefined) err(h.name, 'installer', 'missing; action "install" needs an installer');
    checkTask(h, (option, message) => err(h.name, option, message), (i) => installerProblem(i, installers, target, list));
  }
}

function checkTask(h: Host, err: (option: string, message: string) => void, installerProblem: (i: string) => string | undefined): void {
  const t = h.task;
  if (!t) return;
  if (t.action !== 'menu' && h.target === undefined) err('target', `missing; next_action "${t.action}" needs a target to ${t.action === 'boot' ? 'boot' : 'install onto'}`);
  if (t.installer !== undefined) {
    if (t.action !== 'install') err('next_installer', `${JSON.stringify(t.installer)} goes with next_action "install", not "${t.action}"; delete next_installer or set next_action install`);
    else {
      const p = installerProblem(t.installer);
      if (p) err('next_installer', p);
    }
  } else if (t.action === 'install') err('next_installer', 'missing; next_action "install" needs next_installer, the installer to run');
}

const SECTION_TYPES = ['netboot', 'target', 'installer', 'host'];

/** Registration is open to the whole LAN; say so while it is on. */
function registrationWarnings(m: Model, where: string, label: (type: string, name: string) => string): Problem[] {
  const out = [{ where, message: 'is on: any PC on a served DHCP interface can add itself as a host from its boot menu; switch it off once your PCs are registered' }];
  for (const t of m.targets) {
    if (!registrable(m).includes(t)) {
      out.push({ where: `${PKG}.${label('target', t.name)}`, message: `is not offered for registration: a registration request has room for target names of at most ${MAX_TARGET} characters` });
    }
  }
  return out;
}

/**
 * Loads and validates. A model is returned only when there are no errors, so a
 * caller cannot render from a config that would boot wrongly.
 */
export function loadConfig(netboot: UciPackage, dhcp?: UciPackage): LoadResult {
  const errors: Problem[] = [];
  const warnings: Problem[] = [];
  const readers: SectionReader[] = [];
  // uci's @type[N] index, shown for anonymous sections.
  const typeIndex = new Map<UciSection, number>();
  const perType = new Map<string, number>();
  for (const sec of netboot.sections) {
    const n = perType.get(sec.type) ?? 0;
    typeIndex.set(sec, n);
    perType.set(sec.type, n + 1);
  }
  const labelOf = (sec: UciSection) => (sec.anonymous ? `@${sec.type}[${typeIndex.get(sec) ?? 0}]` : sec.name);
  const reader = (sec: UciSection) => {
    const r = new SectionReader(PKG, sec, labelOf(sec), errors);
    readers.push(r);
    return r;
  };

  const main = mainSection(netboot);
  if (!main) warnings.push({ where: `${PKG}.main`, message: "no \"config netboot 'main'\" section; using defaults" });
  for (const extra of netboot.sections.filter((x) => x.type === 'netboot' && x !== main)) {
    warnings.push({ where: `${PKG}.${extra.name}`, message: 'a second netboot section is ignored; settings belong in netboot.main' });
  }
  const mainReader = reader(main ?? { type: 'netboot', name: 'main', anonymous: false, options: new Map() });
  const settings = loadSettings(mainReader, dhcp);

  // Anonymous sections go by the name uci gives them (cfg030f15, what LuCI
  // and `uci show -X` show, and what LuCI writes into a host's target).
  const named = (type: string) => {
    const seen = new Set<string>();
    return netboot.sections.filter((sec) => {
      if (sec.type !== type) return false;
      if (seen.has(sec.name)) {
        errors.push({
          where: `${PKG}.${labelOf(sec)}`,
          message: `uci names this anonymous ${type} ${JSON.stringify(sec.name)}, as an earlier ${type} is named; rename that one, or name this one`,
        });
        return false;
      }
      seen.add(sec.name);
      const p = sec.anonymous ? undefined : nameProblem(sec.name);
      if (p) errors.push({ where: `${PKG}.${sec.name}`, message: `the section name ${JSON.stringify(sec.name)} ${p.replace('must be', 'must use')}` });
      return !p;
    });
  };

  const targets = named('target').map((sec) => loadTarget(reader(sec), settings));
  const installers = named('installer').map((sec) => loadInstaller(reader(sec), settings));
  const hosts = named('host').map((sec) => loadHost(reader(sec), settings));

  for (const sec of netboot.sections) {
    if (!SECTION_TYPES.includes(sec.type)) {
      warnings.push({ where: `${PKG}.${sec.name}`, message: `unknown section type ${JSON.stringify(sec.type)} is ignored; netboot knows ${SECTION_TYPES.join(', ')}` });
    }
  }
  for (const r of readers) {
    for (const o of r.unread()) warnings.push({ where: r.where(o), message: 'unknown option is ignored' });
  }

  const model: Model = {
    settings,
    targets: targets.filter((t): t is Target => !!t),
    installers: installers.filter((i): i is Installer => !!i),
    hosts: hosts.filter((h): h is Host => !!h),
  };
  const declared = (type: string) => new Set(netboot.sections.filter((x) => x.type === type).map((x) => x.name));
  const label = (type: string, name: string) => {
    const sec = type === 'netboot' ? main : netboot.sections.find((x) => x.type === type && x.name === name);
    return sec ? labelOf(sec) : name;
  };
  checkReferences(model, declared, label, errors);
  if (settings.registration) warnings.push(...registrationWarnings(model, mainReader.where('registration'), label));
  return errors.length ? { errors, warnings } : { model, errors, warnings };
}
