// A real tgt (Debian's tgtd 1.0.85) on a loopback port of its own, with its
// own control socket (TGT_IPC_SOCKET) and control port, so it never meets
// the boot lab's tgt or a system one. Root only.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Daemon, run, sleep } from '../e2e/lab/proc';

export class TgtOnLoopback {
  private tid = 0;
  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly daemon: Daemon,
    private readonly env: NodeJS.ProcessEnv,
    private readonly controlPort: string,
  ) {}

  /** On `address` (any of 127.0.0.0/8); `n` tells apart the control ports of several at once. */
  static async start(address = '127.0.0.1', n = 0): Promise<TgtOnLoopback> {
    const dir = mkdtempSync(join(tmpdir(), 'netboot-tgt-'));
    const port = await freePort(address);
    const controlPort = String(100 + (process.pid % 800) + n * 1000);
    const env = { ...process.env, TGT_IPC_SOCKET: join(dir, 'tgtd.sock') };
    const daemon = new Daemon('tgtd', 'tgtd', ['-f', '-C', controlPort, '--iscsi', `portal=${address}:${port}`], join(dir, 'tgtd.log'), env);
    const t = new TgtOnLoopback(port, dir, daemon, env, controlPort);
    for (let i = 0; ; i++) {
      if ((await t.adm(['--op', 'show', '--mode', 'system'], true)).code === 0) break;
      if (i > 100 || !daemon.running) throw new Error(`tgtd did not start:\n${daemon.log()}`);
      await sleep(50);
    }
    return t;
  }

  adm(args: string[], allowFail = false) {
    return run('tgtadm', ['-C', this.controlPort, '--lld', 'iscsi', ...args], { env: this.env, allowFail });
  }

  /** A target open to every initiator address, with a disk of `sizes[i]` bytes at LUN i + 1 (tgt's LUN 0 is its controller). */
  async target(iqn: string, sizes: number[] = [1 << 20]): Promise<number> {
    const tid = ++this.tid;
    await this.adm(['--mode', 'target', '--op', 'new', '--tid', String(tid), '--targetname', iqn]);
    for (const [i, size] of sizes.entries()) {
      const image = join(this.dir, `t${tid}-lun${i + 1}.img`);
      writeFileSync(image, Buffer.alloc(0));
      await run('truncate', ['-s', String(size), image]);
      await this.adm(['--mode', 'logicalunit', '--op', 'new', '--tid', String(tid), '--lun', String(i + 1), '--backing-store', image]);
    }
    await this.adm(['--mode', 'target', '--op', 'bind', '--tid', String(tid), '--initiator-address', 'ALL']);
    return tid;
  }

  /** CHAP the target asks of initiators (incoming), or the name and secret it answers with (outgoing, mutual CHAP). */
  async account(tid: number, user: string, password: string, outgoing = false): Promise<void> {
    await this.adm(['--mode', 'account', '--op', 'new', '--user', user, '--password', password]);
    await this.adm(['--mode', 'account', '--op', 'bind', '--tid', String(tid), '--user', user, ...(outgoing ? ['--outgoing'] : [])]);
  }

  log(): string {
    return this.daemon.log();
  }

  /** tgtd ignores SIGTERM while targets exist: delete them (--force), then the system. */
  async stop(): Promise<void> {
    for (let tid = 1; tid <= this.tid; tid++) await this.adm(['--mode', 'target', '--op', 'delete', '--force', '--tid', String(tid)], true);
    await run('tgtadm', ['-C', this.controlPort, '--op', 'delete', '--mode', 'system'], { env: this.env, allowFail: true });
    const gone = await Promise.race([this.daemon.exited.then(() => true), sleep(5000).then(() => false)]);
    if (!gone) await this.daemon.stop(1000);
  }
}

function freePort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, address, () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
