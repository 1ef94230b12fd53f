// Next-boot tasks in /etc/config/netboot: a host's `next_action` (and
// `next_installer`) stands in for its action until the task's beacon shows
// it started; then apply clears it and records it as `last_*`. Pure.
//
// The beacon is named after the host's MAC and the time the task was set
// (`next_since`), so a beacon an earlier task left in the spool never
// clears a new one, and it counts only from the MAC that owns the name (the
// fold maps the fetching address to its MAC through DHCP events and leases).

import type { MeaningInput, Meant } from '../app/beacons';
import { checkMac } from '../config/values';
import { taskBeaconOf } from '../journeys/journeys';
import type { Beacon } from '../journeys/spool';
import type { UciSection } from '../uci';

const single = (s: UciSection, o: string) => {
  const v = s.options.get(o);
  return typeof v === 'string' && v !== '' ? v : undefined;
};

/** A host section's MAC as netboot reads it, when it is one. */
export function hostMac(s: UciSection): string | undefined {
  const v = single(s, 'mac');
  const m = v === undefined ? undefined : checkMac(v);
  return m?.ok ? m.value : undefined;
}

const taskText = (action: string, installer: string | undefined) => (installer ? `${action} ${installer}` : action);

export function taskMeaning({ beacons, netboot, now }: Pick<MeaningInput, 'beacons' | 'netboot' | 'now'>): Meant {
  const started = new Map<string, Beacon>();
  for (const b of beacons) {
    const t = taskBeaconOf(b.path);
    if (t && t.mac === b.mac) started.set(`${t.mac}/${t.since}`, b);
  }
  const meant: Meant = { edit: { options: {} }, notes: [] };
  for (const s of netboot.sections) {
    const action = s.type === 'host' ? single(s, 'next_action') : undefined;
    const mac = action && hostMac(s);
    if (!action || !mac) continue;
    const installer = single(s, 'next_installer');
    const since = single(s, 'next_since');
    if (since === undefined) {
      // Set by hand (uci, LuCI): from now on its beacon counts.
      meant.edit.options![s.name] = { next_since: String(Math.floor(now / 1000)) };
      continue;
    }
    // Anything else is refused by validation, and the task is not rendered.
    if (!/^\d{1,10}$/.test(since)) continue;
    const beacon = started.get(`${mac}/${Number(since)}`);
    if (!beacon) continue;
    const time = Math.floor(beacon.time / 1000);
    meant.edit.options![s.name] = {
      next_action: undefined,
      next_installer: undefined,
      next_since: undefined,
      last_action: action,
      last_installer: installer,
      last_time: String(time),
    };
    meant.notes.push(`host ${s.name} started its task (${taskText(action, installer)}) at ${new Date(beacon.time).toISOString()}; the task is cleared`);
  }
  return meant;
}
