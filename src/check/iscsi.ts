// `check` asks the NAS: per portal a discovery session lists the targets it
// offers; per configured target, whether it is among them (else the nearest
// offered name, when it looks like a typo), then a login as a PC of that
// target would make it (with its CHAP), REPORT LUNS and READ CAPACITY for its
// LUN. Under qjs there are no sockets: the portal gets busybox nc's connect
// and the targets a line saying they were not probed.

import { expandIqnTemplate } from '../config/load';
import type { Model, Target } from '../config/model';
import { IscsiError } from '../iscsi/errors';
import { formatSize, lunField, parseReadCapacity, parseReportLuns, READ_CAPACITY_LENGTH, readCapacityCdb, REPORT_LUNS_LENGTH, reportLunsCdb } from '../iscsi/scsi';
import { Connection, DEFAULT_LIMITS, type Limits } from '../iscsi/session';
import { connectWire } from '../iscsi/socket';
import { platform } from '../platform';
import { type Check, notProbed, tcpConnect } from './probes';

const CONNECT_MS = 3000;

/** The initiator name a PC booting `t` logs in with: its host's, else the default template's. */
function initiatorFor(m: Model, t: Target): string {
  return m.hosts.find((h) => h.target === t.name)?.initiatorIqn ?? expandIqnTemplate(m.settings.initiatorIqn, '00:00:00:00:00:00', 'netboot-check');
}

export const portalOf = (t: Target) => `${t.server}:${t.port}`;
const targetName = (t: Target) => `iscsi target ${t.name}`;

export async function iscsiChecks(m: Model, limits: Limits = DEFAULT_LIMITS): Promise<Check[]> {
  const portals = new Map<string, Target[]>();
  for (const t of m.targets) portals.set(portalOf(t), [...(portals.get(portalOf(t)) ?? []), t]);
  const each = await Promise.all(
    [...portals.values()].map(async (targets): Promise<Check[]> => {
      if (!platform.net) {
        const why = 'the login and LUN check speak iSCSI over a socket, which needs node';
        return [tcpConnect(targets[0].server, targets[0].port), ...targets.map((t) => notProbed(targetName(t), why))];
      }
      return portalChecks(m, targets, limits);
    }),
  );
  return each.flat();
}

interface Offered {
  names: string[];
  initiator: string;
}

async function portalChecks(m: Model, targets: Target[], limits: Limits): Promise<Check[]> {
  const portal = portalOf(targets[0]);
  const name = `iscsi ${portal}`;
  const start = platform.now();
  const initiator = initiatorFor(m, targets[0]);
  let offered: Offered | undefined;
  let portalLine: Check;
  try {
    const names = await session(targets[0].server, targets[0].port, limits, async (c, now) => {
      await c.login({ initiator, ...crypto() }, now);
      return (await c.sendTargets(now)).map((t) => t.name);
    });
    offered = { names, initiator };
    portalLine = { name, ok: true, detail: `discovery lists ${names.length} target${names.length === 1 ? '' : 's'} (as ${initiator}, ${ms(start)})` };
  } catch (e) {
    const err = asIscsi(e);
    if (err.kind === 'login' || err.kind === 'auth') {
      portalLine = { name, ok: false, detail: `refuses discovery (as ${initiator}): the NAS ${err.message}; each target is tried by logging in` };
    } else {
      const line = { name, ok: false, detail: err.kind === 'unreachable' ? err.message : `discovery failed: the NAS ${err.message}` };
      return [line, ...targets.map((t) => ({ name: targetName(t), ok: false, detail: `not checked: its portal ${portal} failed (${line.name})` }))];
    }
  }
  const lines = [portalLine];
  // One at a time per portal: a NAS sees at most one session of this check at once.
  for (const t of targets) lines.push(await targetCheck(m, t, offered, limits));
  return lines;
}

async function targetCheck(m: Model, t: Target, offered: Offered | undefined, limits: Limits): Promise<Check> {
  const name = targetName(t);
  const portal = portalOf(t);
  const initiator = initiatorFor(m, t);
  // A NAS lists only the targets the discovering initiator may use (tgt:
  // target_list_build applies the ACLs), so an unlisted target is still
  // tried with its own PC's name; only a refusal makes it "not offered".
  const unlisted = !!offered && !offered.names.includes(t.iqn);
  const notOffered = () => {
    const near = nearest(t.iqn, offered!.names);
    const list = offered!.names.length ? `it offers ${listed(offered!.names)}` : `it offers no target to ${offered!.initiator}`;
    return `${t.iqn} is not offered by ${portal}; ${near ? `did you mean ${near}? (${list})` : list}`;
  };
  const lun = lunField(t.lun);
  if (!lun) return { name, ok: false, detail: `LUN ${t.lun} cannot be addressed with one level of LUN (at most 16383)` };
  const start = platform.now();
  const attempt = (host: string, port: number, via = '') =>
    session(host, port, limits, async (c, now) => {
      const { auth } = await c.login({ initiator, target: t.iqn, chap: t.chap, ...crypto() }, now);
      const as = `${t.iqn} ${unlisted ? `not listed to ${offered!.initiator}, but` : 'offered;'} logged in${via} as ${initiator}${auth === 'none' ? (t.chap ? ' (the NAS did not ask for CHAP)' : '') : ` with ${auth}`}`;
      const luns = parseReportLuns(await c.readOnce(new Uint8Array(8), reportLunsCdb(), REPORT_LUNS_LENGTH, now));
      if (!luns) return { name, ok: false, detail: `${as}; REPORT LUNS answered with less than its 8-byte header` };
      if (!luns.includes(t.lun)) {
        return { name, ok: false, detail: `${as}; LUN ${t.lun} is not there: the target has ${luns.length ? `LUN${luns.length > 1 ? 's' : ''} ${luns.join(', ')}` : 'no LUN'}` };
      }
      let cap: ReturnType<typeof parseReadCapacity>;
      try {
        cap = parseReadCapacity(await c.readOnce(lun, readCapacityCdb(), READ_CAPACITY_LENGTH, now));
      } catch (e) {
        if (asIscsi(e).kind !== 'scsi') throw e;
        return { name, ok: false, detail: `${as}; LUN ${t.lun} is there but is not a disk iPXE can boot: READ CAPACITY ${(e as Error).message}` };
      }
      const size = cap ? `${cap.atLeast ? 'at least ' : ''}${formatSize(cap.bytes)} in ${cap.blockSize}-byte blocks` : 'size unknown';
      return { name, ok: true, detail: `${as}; LUN ${t.lun}: ${size} (${ms(start)})` };
    });
  try {
    try {
      return await attempt(t.server, t.port);
    } catch (e) {
      // iPXE follows a redirect (Login status class 1, iscsi_rx_login_response): so does the check, once.
      const to = asIscsi(e).redirect;
      if (!to) throw e;
      return await attempt(to.host, to.port, ` at ${to.host}:${to.port} (redirected there)`);
    }
  } catch (e) {
    const err = asIscsi(e);
    if (unlisted && (err.status === 0x0203 || err.status === 0x0202)) return { name, ok: false, detail: notOffered() };
    const said = `${t.iqn}, as ${initiator}: ${err.kind === 'unreachable' ? '' : 'the NAS '}${err.message}`;
    if (err.status === 0x0201) {
      const hint = t.chap ? `the NAS refused chap_username ${JSON.stringify(t.chap.username)} with this chap_password` : 'the NAS wants credentials: set chap_username and chap_password';
      return { name, ok: false, detail: `CHAP failed: ${hint} (${t.iqn}, as ${initiator}, login status 0x0201)` };
    }
    if (err.status === 0x0203 && !offered) return { name, ok: false, detail: `${said} (discovery was refused, so there are no offered names to compare)` };
    return { name, ok: false, detail: `${err.kind === 'auth' ? 'CHAP failed: ' : ''}${said}` };
  }
}

/** A connection for `fn`, logged out (or just closed) afterwards whatever happened. */
async function session<T>(host: string, port: number, limits: Limits, fn: (c: Connection, now: () => number) => Promise<T>): Promise<T> {
  const wire = await connectWire(host, port, CONNECT_MS);
  const c = new Connection(wire, limits, crypto().random);
  const now = () => platform.now();
  let result: T;
  try {
    result = await fn(c, now);
  } catch (e) {
    wire.close();
    throw e;
  }
  await c.logout(now).catch(() => undefined);
  return result;
}

/** MD5 for CHAP and random bytes, from node's crypto (the only engine that gets here has it). */
function crypto() {
  const { crypto } = platform.net!;
  return {
    md5: (d: Uint8Array) => new Uint8Array(crypto.createHash('md5').update(d).digest()),
    random: (n: number) => new Uint8Array(crypto.randomBytes(n)),
  };
}

const asIscsi = (e: unknown) => (e instanceof IscsiError ? e : new IscsiError('protocol', (e as Error).message ?? String(e)));

const ms = (t: number) => `${(platform.now() - t).toFixed(0)} ms`;

const listed = (names: string[]) => (names.length <= 4 ? names.join(', ') : `${names.slice(0, 4).join(', ')} and ${names.length - 4} more`);

/** The offered name closest to `want` when it is near enough to be a typo: at most a fifth of its characters differ (and at least 2 may). */
export function nearest(want: string, names: string[]): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(want.length / 5)) + 1;
  for (const n of names) {
    const d = distance(want.toLowerCase(), n.toLowerCase()) + (want === n ? 0 : want.toLowerCase() === n.toLowerCase() ? 0.5 : 0);
    if (d < bestD) [best, bestD] = [n, d];
  }
  return best;
}

/** Levenshtein distance, two rows. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}
