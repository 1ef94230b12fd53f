// What a registration request means for /etc/config/netboot (pure): a new
// host section, or a refusal saying why, and the answer the PC reads back
// (src/ipxe/render.ts, registerAnswer). The new host passes the same
// validation as any config: the section is added to the config as it is and
// the whole is loaded again; the PC sees the first problem.

import { loadConfig } from '../config/load';
import { textProblem } from '../ipxe/escape';
import type { SpooledEvent } from '../journeys/spool';
import type { UciPackage, UciSection } from '../uci';
import { isUciName } from '../uci';
import { MAX_NAME, NAME_RULE, parseRequest, registrable, type RegisterRequest } from './request';

/** What the PC is told; `attempt` is its own, echoed so it knows the answer is to this request. */
export interface Answer {
  mac: string;
  attempt: string;
  ok: boolean;
  /** One line for the PC's screen: printable ASCII that iPXE shows as it is. */
  message: string;
  /** When the request was made (ms, the spool's clock). */
  time: number;
}

export interface Decision {
  answer: Answer;
  /** The host to add when the answer is yes. */
  host?: UciSection;
}

/** A registered PC boots its target with no keypress from then on. */
const REGISTERED_ACTION = 'boot';

const LABEL = new RegExp(`^[a-z0-9](?:[a-z0-9-]{0,${MAX_NAME - 2}}[a-z0-9])?$`);

/** The typed name quoted for the PC's screen, when iPXE can show it as text. */
const quoted = (s: string) => {
  const q = JSON.stringify(s);
  return textProblem(q) ? 'that name' : q;
};

function refuse(req: { mac: string; attempt: string }, time: number, why: string): Decision {
  return { answer: { mac: req.mac, attempt: req.attempt, ok: false, time, message: `registration refused: ${why}` } };
}

const CONFIG_ERRORS = 'the router\'s netboot config has errors ("netboot validate" says which); nothing was changed';

/** The section name for a host name: uci allows letters, digits and "_" only. */
export const sectionName = (name: string) => name.replaceAll('-', '_');

/**
 * The meaning of one request against the config as it is (`netboot`, and
 * `dhcp` for the TFTP root default that validation reads).
 */
export function decide(netboot: UciPackage, dhcp: UciPackage | undefined, req: RegisterRequest, time: number): Decision {
  const current = loadConfig(netboot, dhcp);
  const m = current.model;
  if (!m) return refuse(req, time, CONFIG_ERRORS);
  if (!m.settings.registration) return refuse(req, time, 'registration is off on the router (netboot.main.registration)');
  const known = m.hosts.find((h) => h.mac === req.mac);
  if (known) return refuse(req, time, `this PC is already the host ${known.name}`);
  const target = registrable(m).find((t) => t.name === req.target);
  if (!target) return refuse(req, time, `the router has no target ${quoted(req.target)} for registration (any more)`);
  const name = req.name.toLowerCase();
  if (!LABEL.test(name)) return refuse(req, time, `${quoted(req.name)} is not a host name; use ${NAME_RULE} characters`);
  const section = sectionName(name);
  // uci names sections per file, whatever their type.
  if (!isUciName(section) || netboot.sections.some((s) => s.name === section)) return refuse(req, time, `the name ${quoted(name)} is taken; type another`);

  const host: UciSection = {
    type: 'host',
    name: section,
    anonymous: false,
    options: new Map([
      ['mac', req.mac],
      ['hostname', name],
      ['target', target.name],
      ['action', REGISTERED_ACTION],
    ]),
  };
  const after = loadConfig({ ...netboot, sections: [...netboot.sections, host] }, dhcp);
  const own = after.errors.filter((e) => e.where === `netboot.${section}` || e.where.startsWith(`netboot.${section}.`));
  const problem = (own.length ? own : after.errors)[0];
  if (problem) {
    const why = `${problem.where}: ${problem.message}`;
    return refuse(req, time, textProblem(why) ? `the new host would not be valid (${problem.where})` : why);
  }
  const message = `this PC is now the host ${name}; it boots ${target.title} with no key from now on`;
  return { host, answer: { mac: req.mac, attempt: req.attempt, ok: true, time, message } };
}

/** What registration remembers between applies (src/register/log.ts keeps it in RAM). */
export interface RegisterLog {
  /** Spool time (ms) of the newest request already answered: older ones are never read again. */
  until: number;
  /** The latest answer per PC, oldest first. */
  answers: Answer[];
}

export const EMPTY_LOG: RegisterLog = { until: 0, answers: [] };

/** Answers kept for PCs to read: older ones are dropped first. */
export const MAX_ANSWERS = 32;
/** A request this old is no longer waited for by its PC (it polls for about 30 s). */
export const REQUEST_TTL_MS = 5 * 60 * 1000;

export interface Registration {
  log: RegisterLog;
  /** New host sections, in the order the requests came. */
  hosts: UciSection[];
}

/**
 * Answers the requests in the spool that are newer than the log's mark and
 * younger than REQUEST_TTL_MS at `now`, each against the config with the
 * hosts added before it (two PCs asking for one name: the first gets it).
 * `netboot` is undefined when the file does not parse: every request is refused.
 */
export function register(log: RegisterLog, events: SpooledEvent[], netboot: UciPackage | undefined, dhcp: UciPackage | undefined, now: number): Registration {
  const hosts: UciSection[] = [];
  const answers = new Map(log.answers.map((a) => [a.mac, a]));
  let until = log.until;
  for (const { time, event } of events) {
    if (time <= log.until || event.source !== 'dhcp' || event.action === 'remove') continue;
    const req = parseRequest(event.mac, event.vendorclass);
    if (!req) continue;
    until = Math.max(until, time);
    if (time < now - REQUEST_TTL_MS || answers.get(req.mac)?.attempt === req.attempt) continue;
    const d =
      'unreadable' in req ? refuse(req, time, req.unreadable)
      : !netboot ? refuse(req, time, CONFIG_ERRORS)
      : decide({ ...netboot, sections: [...netboot.sections, ...hosts] }, dhcp, req, time);
    if (d.host) hosts.push(d.host);
    answers.delete(req.mac);
    answers.set(req.mac, d.answer);
  }
  return { hosts, log: { until, answers: [...answers.values()].slice(-MAX_ANSWERS) } };
}
