// A stand-in for procd supervising OpenWrt's dnsmasq, running the real
// dnsmasq binary, with the behaviour and timing taken from the sources:
//
// openwrt/procd 2c1834abae171261f2d9161e5a28c36cbcc394a4, service/instance.c:
//  - instance_config_parse: `procd_set_param respawn` without values means
//    `uint32_t vals[3] = { 3600, 5, 5 }`: threshold 3600 s, timeout 5 s, retry 5.
//  - instance_update: a changed instance (here: its config file, `procd_set_param
//    file`) is restarted by instance_restart: halt + restart, SIGTERM; instance_exit
//    of a halted instance with restart set calls instance_start at once.
//  - instance_exit of a respawning instance that was not halted: respawn_count++
//    when it ran less than the threshold; past `retry` crashes it gives up
//    (instance.fail); else uloop_timeout_set(respawn_timeout * 1000), then
//    instance_timeout → instance_start.
//  - instance_exit_code: a death by signal is SIGNALLED_OFFSET (128) + the signal.
//  - instance_dump (`ubus call service list`): running; pid only while running;
//    exit_code only when not; respawn { threshold, timeout, retry }.
//  - service/service.c service_handle_signal (`procd_send_signal`): kill() of the
//    instance's current pid, SIGHUP unless told otherwise.
//  - service/trigger.c trigger_event: a config.change matching a reload trigger
//    queues its script after the trigger's timeout (procd.sh PROCD_RELOAD_DELAY,
//    1000 ms); another event while it is pending only extends the timer.
// openwrt/openwrt 48615712b31d240f1c2d2a2e8387ab084b423b14,
// package/network/services/dnsmasq/files/dnsmasq.init (24.10's):
//    reload_service() { rc_procd start_service "$@"; procd_send_signal dnsmasq "$@"; }
//    start_service writes /var/etc/dnsmasq.conf.<cfg> from /etc/config/dhcp and
//    `procd_set_param file` on it, so the instance restarts when the text changed.
//    service_triggers: procd_add_reload_trigger "dhcp" "system".
//
// Between the two halves of reload_service the script runs for a while (jshn,
// a second ubus call), long enough for the old dnsmasq to exit and procd to
// start the new one; the stand-in always takes that path, the one that on a
// router made 1 of 4 applies fail: the SIGHUP meets a dnsmasq that has not yet
// set its handler. (Not always: dnsmasq may already have; both are fine.)

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { translateDhcp } from '../e2e/lab/uci-dhcp';

const RESPAWN_THRESHOLD_S = 3600;
const RESPAWN_RETRY = 5;
const SIGNALLED_OFFSET = 128;
const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGKILL: 9, SIGTERM: 15 };
const RELOAD_DELAY_MS = 1000;
const TRIGGERED = ['dhcp', 'system'];

export interface ProcdOptions {
  /** The router folder whose etc/config/dhcp dnsmasq.init reads. */
  root: string;
  /** `procd_set_param respawn 3600 <timeout> 5`; procd's default is 5. */
  respawnTimeoutS?: number;
  /** Whether dnsmasq's init script registered its reload triggers (24.10's does). */
  reloadTrigger?: boolean;
}

/** What procd.sh's procd_add_reload_trigger makes of one package, as `service list` shows it. */
const reloadTrigger = (pkg: string) => ['config.change', ['if', ['eq', 'package', pkg], ['run_script', '/etc/init.d/dnsmasq', 'reload']], RELOAD_DELAY_MS];

export class ProcdDnsmasq {
  private proc?: ChildProcess;
  private started = 0;
  private halt = false;
  private restart = false;
  private respawnCount = 0;
  private timer?: NodeJS.Timeout;
  private pendingReload?: NodeJS.Timeout;
  private conf = '';
  private stopped = false;
  exitCode?: number;
  /** An extra line for the config the next start_service writes, to make dnsmasq refuse to start. */
  breakWith?: string;
  /** Every exit code procd recorded, in order. */
  readonly exits: number[] = [];
  readonly confPath: string;

  constructor(private readonly opts: ProcdOptions) {
    this.confPath = join(opts.root, 'dnsmasq.conf.cfg01411c');
  }

  private get respawnS() {
    return this.opts.respawnTimeoutS ?? 5;
  }

  /** dnsmasq.init's start_service: the config file from /etc/config/dhcp. port=0: no DNS, and it binds nothing. */
  private generate(): string {
    const dhcp = readFileSync(join(this.opts.root, 'etc/config/dhcp'), 'utf8');
    // enable-tftp would bind port 69 on this machine; the rest is what netboot changes.
    const lines = translateDhcp(dhcp, (p) => join(this.opts.root, p)).filter((l) => l !== 'enable-tftp');
    return ['port=0', 'log-facility=-', ...lines, ...(this.breakWith ? [this.breakWith] : [])].join('\n') + '\n';
  }

  private instanceStart(): void {
    if (this.stopped) return;
    this.halt = this.restart = false;
    writeFileSync(this.confPath, this.conf);
    // dnsmasq.init: `$PROG -C $CONFIGFILE -k -x <pidfile>`; here without a pid file, as the user running the test.
    const p = spawn('dnsmasq', ['-C', this.confPath, '-k', '--pid-file=', `--user=${userInfo().username}`], { stdio: 'ignore' });
    this.proc = p;
    this.started = Date.now();
    p.once('exit', (code, signal) => this.instanceExit(p, signal ? SIGNALLED_OFFSET + (SIGNALS[signal] ?? 0) : (code ?? 1)));
  }

  private instanceExit(p: ChildProcess, code: number): void {
    if (this.proc !== p) return;
    this.proc = undefined;
    this.exitCode = code;
    this.exits.push(code);
    if (this.stopped) return;
    if (this.halt) {
      if (this.restart) this.instanceStart();
      return;
    }
    const runtimeS = (Date.now() - this.started) / 1000;
    this.respawnCount = runtimeS < RESPAWN_THRESHOLD_S ? this.respawnCount + 1 : 0;
    if (this.respawnCount > RESPAWN_RETRY) return; // instance.fail: procd gives up
    this.timer = setTimeout(() => this.instanceStart(), this.respawnS * 1000);
  }

  /** `/etc/init.d/dnsmasq start` at boot; resolves once dnsmasq runs. */
  async start(): Promise<void> {
    this.conf = this.generate();
    this.instanceStart();
    await new Promise((r) => setTimeout(r, 300));
  }

  /** `/etc/init.d/dnsmasq reload` as 24.10 has it; resolves when the script would end. */
  async reload(): Promise<void> {
    // rc_procd start_service → instance_update.
    const conf = this.generate();
    const changed = conf !== this.conf;
    this.conf = conf;
    const old = this.proc;
    if (!old) {
      clearTimeout(this.timer);
      this.instanceStart();
    } else if (changed) {
      this.halt = this.restart = true;
      old.kill('SIGTERM');
      // The script goes on while procd sees the old one exit and starts the new one.
      await once(old, 'exit');
      await new Promise((r) => setImmediate(r));
    }
    // procd_send_signal dnsmasq → service_handle_signal: SIGHUP to the current pid.
    const target = this.proc;
    target?.kill('SIGHUP');
    // The init script exits right after; procd reaps a process the SIGHUP killed within moments.
    if (target) await Promise.race([once(target, 'exit'), new Promise((r) => setTimeout(r, 100))]);
  }

  /** rpcd's uci commit announcing a changed package (config.change): a reload trigger queues the init script's reload. */
  configChange(pkg: string): void {
    if (!this.opts.reloadTrigger || !TRIGGERED.includes(pkg) || this.stopped) return;
    clearTimeout(this.pendingReload);
    this.pendingReload = setTimeout(() => void this.reload(), RELOAD_DELAY_MS);
  }

  /** `ubus call service list '{"name":"dnsmasq"}'`; `verbose` adds the triggers. */
  serviceList(verbose = false): object {
    const running = !!this.proc;
    const instance = {
      running,
      ...(running ? { pid: this.proc!.pid } : { exit_code: this.exitCode ?? 0 }),
      command: ['/usr/sbin/dnsmasq', '-C', this.confPath, '-k'],
      term_timeout: 5,
      respawn: { threshold: RESPAWN_THRESHOLD_S, timeout: this.respawnS, retry: RESPAWN_RETRY },
    };
    const triggers = verbose && this.opts.reloadTrigger ? { triggers: TRIGGERED.map(reloadTrigger) } : {};
    return { dnsmasq: { instances: { cfg01411c: instance }, ...triggers } };
  }

  /** The part of the ubus bus netboot's rpcd backend uses for the reload and the check. */
  ubus() {
    return {
      call: async (object: string, method: string, args: Record<string, unknown>) => {
        if (object === 'rc' && method === 'init' && args.name === 'dnsmasq' && args.action === 'reload') return void (await this.reload());
        if (object === 'service' && method === 'list' && args.name === 'dnsmasq') return this.serviceList(args.verbose === true);
        throw new Error(`the procd stand-in has no ${object} ${method}`);
      },
      close() {},
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.pendingReload);
    const p = this.proc;
    if (p) {
      p.kill('SIGTERM');
      await once(p, 'exit');
    }
  }
}
