// The registration log in /var/run (RAM on a router, like the spool it marks
// its place in): which requests were answered, and the answers PCs read back.
// Rendered into iPXE scripts, so every entry read back is checked again: a
// damaged file loses answers, never writes a bad script.

import { writeFileAtomic } from '../fs/atomic';
import { readIfThere, type RouterRoot } from '../fs/root';
import { textProblem } from '../ipxe/escape';
import { parseMac } from '../journeys/events';
import { EMPTY_LOG, MAX_ANSWERS, type Answer, type RegisterLog } from './register';
import { ATTEMPT } from './request';

const path = (root: RouterRoot) => root.path('/var/run/netboot/register.json');

const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function answerOf(v: unknown): Answer | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const a = v as Record<string, unknown>;
  const mac = parseMac(a.mac);
  if (!mac || mac !== a.mac || typeof a.attempt !== 'string' || !ATTEMPT.test(a.attempt)) return undefined;
  if (typeof a.ok !== 'boolean' || typeof a.message !== 'string' || textProblem(a.message) || !isTime(a.time)) return undefined;
  return { mac, attempt: a.attempt, ok: a.ok, message: a.message, time: a.time };
}

export function parseLog(text: string | undefined): RegisterLog {
  let v: unknown;
  try {
    v = JSON.parse(text ?? 'null');
  } catch {
    return EMPTY_LOG;
  }
  if (typeof v !== 'object' || v === null) return EMPTY_LOG;
  const { until, answers } = v as Record<string, unknown>;
  const kept = (Array.isArray(answers) ? answers : []).map(answerOf).filter((a): a is Answer => !!a);
  return { until: isTime(until) ? until : 0, answers: kept.slice(-MAX_ANSWERS) };
}

export const readLog = (root: RouterRoot): RegisterLog => parseLog(readIfThere(path(root)));

export function writeLog(root: RouterRoot, log: RegisterLog): void {
  // In RAM on a router: no flush.
  writeFileAtomic(path(root), `${JSON.stringify(log)}\n`, 0o644, false);
}
