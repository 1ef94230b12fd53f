// `task` and `hosts`: setting a host's next-boot task, and every host with
// its task, the last one it ran and where its last boot got to (the journeys
// in the spool). See docs/design.md, "The ubus API".

import type { Host } from '../config/model';
import type { Journey, StepName } from '../journeys/journeys';
import { foldJourneys } from '../journeys/spool';
import { RpcdStore } from '../store/rpcd';
import { taskEdit, type TaskRequest } from '../tasks/set';
import { applyConfig, underLock } from './apply';
import { readSpool } from './clients';
import { computeState, type AppContext } from './state';

export interface TaskReply {
  ok: boolean;
  message: string;
}

/**
 * Writes the task through the store, then has it applied as LuCI's Save &
 * Apply has a change applied: on a router, rpcd's commit fires the netboot
 * service's reload trigger, which runs `netboot apply`; where nothing does
 * (--root, the uci command, no service), netboot applies itself.
 */
export async function setTask(ctx: AppContext, req: TaskRequest): Promise<TaskReply> {
  const written = await underLock(ctx, async () => {
    const backend = await ctx.dhcp();
    try {
      const netboot = await backend.store.read('netboot');
      if (!netboot) return { ok: false, message: `${ctx.root.configPath('netboot')} does not exist` };
      const r = taskEdit(netboot, await backend.read().catch(() => undefined), req, Date.now());
      if (!r.ok) return r;
      await backend.store.write('netboot', r.edit);
      const triggered = backend.store instanceof RpcdStore && (await backend.store.reloadTriggerDelay('netboot', 'netboot')) !== undefined;
      return { ...r, triggered };
    } finally {
      backend.close();
    }
  });
  if (!written.ok || !('triggered' in written)) return written;
  if (written.triggered) return { ok: true, message: `${written.message}; the netboot service applies it now` };
  const applied = await applyConfig(ctx);
  return { ok: applied.ok, message: `${written.message}; ${applied.ok ? '' : 'the apply failed: '}${applied.message}` };
}

export type Stage = 'dhcp' | 'ipxe' | 'menu' | 'boot' | 'install' | 'failed';

// Where a boot got to, by the last step that says so. A task's beacon, a
// file, the booted system's own lease and a release say nothing about it.
const STAGES: Partial<Record<StepName, Stage>> = {
  'dhcp-pxe': 'dhcp',
  bootloader: 'ipxe',
  'dhcp-ipxe': 'ipxe',
  menu: 'menu',
  config: 'menu',
  host: 'menu',
  target: 'menu',
  boot: 'boot',
  install: 'install',
  failed: 'failed',
};

const seconds = (ms: number) => Math.floor(ms / 1000);

function hostJson(h: Host, j: Journey | undefined) {
  const step = j && [...j.steps].reverse().find((s) => STAGES[s.step]);
  return {
    name: h.name,
    mac: h.mac,
    target: h.target ?? null,
    action: h.action,
    task: h.task ? { action: h.task.action, installer: h.task.installer ?? null, since: h.task.since } : null,
    last_task: h.lastTask ? { action: h.lastTask.action, installer: h.lastTask.installer ?? null, time: h.lastTask.time } : null,
    last_seen: j ? seconds(j.lastSeen) : null,
    ip: j?.ip ?? null,
    stage: step ? STAGES[step.step]! : null,
    stage_detail: step?.detail ?? null,
    stage_time: step ? seconds(step.time) : null,
  };
}

export type HostJson = ReturnType<typeof hostJson>;

/** Every configured host; none while the config has errors (validate says why). */
export function hostsReport(ctx: AppContext): { hosts: HostJson[] } {
  const s = computeState(ctx.root, false);
  if (!s.model) return { hosts: [] };
  const journeys = new Map(foldJourneys(readSpool(ctx.root, s.tftpRoot)).list().map((j) => [j.mac, j]));
  return { hosts: s.model.hosts.map((h) => hostJson(h, journeys.get(h.mac))) };
}
