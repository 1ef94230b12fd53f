// tgt, the iSCSI target daemon, listening on 10.77.0.1:3260 inside the namespace.
// Its control socket is a file in the lab's work dir, so nothing lands in /var/run/tgtd.
import { join } from 'node:path';
import { NET } from './env';
import type { Netns } from './netns';
import { Daemon, run, sleep } from './proc';

/** tgt reserves LUN 0 for its controller: disks are LUN 1 (iscsi:SERVER:::1:IQN). */
export const TGT_LUN = 1;

export class Tgt {
  private tids = new Map<string, number>();
  private constructor(
    readonly daemon: Daemon,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  static async start(ns: Netns, workDir: string): Promise<Tgt> {
    const env = { ...process.env, TGT_IPC_SOCKET: join(workDir, 'tgtd.sock') };
    const [cmd, args] = ns.exec('tgtd', ['-f', '-C', '0', '--iscsi', `portal=${NET.server}:${NET.iscsiPort}`]);
    const t = new Tgt(new Daemon('tgtd', cmd, args, join(workDir, 'tgtd.log'), env), env);
    for (let i = 0; ; i++) {
      const r = await t.adm(['--op', 'show', '--mode', 'system'], true);
      if (r.code === 0) break;
      if (i > 100 || !t.daemon.running) throw new Error(`tgtd did not start:\n${t.daemon.log()}`);
      await sleep(50);
    }
    return t;
  }

  private adm(args: string[], allowFail = false) {
    return run('tgtadm', ['-C', '0', '--lld', 'iscsi', ...args], { env: this.env, allowFail });
  }

  async addTarget(iqn: string, image: string): Promise<void> {
    const tid = this.tids.size + 1;
    await this.adm(['--mode', 'target', '--op', 'new', '--tid', String(tid), '--targetname', iqn]);
    this.tids.set(iqn, tid);
    await this.adm(['--mode', 'logicalunit', '--op', 'new', '--tid', String(tid), '--lun', String(TGT_LUN), '--backing-store', image]);
    await this.adm(['--mode', 'target', '--op', 'bind', '--tid', String(tid), '--initiator-address', 'ALL']);
  }

  /** tgtd ignores SIGTERM while targets exist: delete them (--force), then the system. */
  async stop(): Promise<void> {
    if (!this.daemon.running) return;
    for (const tid of this.tids.values()) {
      await this.adm(['--mode', 'target', '--op', 'delete', '--force', '--tid', String(tid)], true);
    }
    this.tids.clear();
    await run('tgtadm', ['-C', '0', '--op', 'delete', '--mode', 'system'], { env: this.env, allowFail: true });
    const gone = await Promise.race([this.daemon.exited.then(() => true), sleep(5000).then(() => false)]);
    if (!gone) await this.daemon.stop(1000);
  }
}
