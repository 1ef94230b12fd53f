// The lab's private network: one namespace with a bridge (br0, 10.77.0.1/24 and a ULA
// so iPXE's IPv6 configurator gets its router advertisement at once), a second one
// (br1, the guest network) and one tap per VM.
import { NET } from './env';
import { run, sleep } from './proc';

export class Netns {
  private taps = new Set<string>();
  private constructor(readonly name: string) {}

  static async create(name: string): Promise<Netns> {
    await run('ip', ['netns', 'add', name]);
    const ns = new Netns(name);
    const ip = (...a: string[]) => run('ip', ['-n', name, ...a]);
    await ip('link', 'set', 'lo', 'up');
    for (const [br, server, ula] of [['br0', NET.server, NET.ula], ['br1', NET.guest.server, NET.guest.ula]] as const) {
      await ip('link', 'add', br, 'type', 'bridge');
      await ip('link', 'set', br, 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0');
      await ip('addr', 'add', `${server}/${NET.prefix}`, 'dev', br);
      await ip('addr', 'add', ula, 'dev', br, 'nodad');
      await ip('link', 'set', br, 'up');
    }
    return ns;
  }

  /** `ip netns exec` execs the command, so the child's pid is the command's own. */
  exec(cmd: string, args: string[]): [string, string[]] {
    return ['ip', ['netns', 'exec', this.name, cmd, ...args]];
  }

  async addTap(tap: string, bridge = 'br0'): Promise<void> {
    await run('ip', ['-n', this.name, 'tuntap', 'add', 'dev', tap, 'mode', 'tap']);
    this.taps.add(tap);
    await run('ip', ['-n', this.name, 'link', 'set', tap, 'master', bridge, 'up']);
  }

  async delTap(tap: string): Promise<void> {
    if (!this.taps.delete(tap)) return;
    await run('ip', ['-n', this.name, 'link', 'del', tap], { allowFail: true });
  }

  async pids(): Promise<number[]> {
    const r = await run('ip', ['netns', 'pids', this.name], { allowFail: true });
    return r.stdout.split(/\s+/).filter(Boolean).map(Number);
  }

  /**
   * Deletes the namespace once nothing runs in it. Every daemon was stopped by its
   * own pid before; a process still here was started by the lab, so it is ended by pid.
   */
  async destroy(): Promise<string[]> {
    const problems: string[] = [];
    for (let i = 0; i < 40; i++) {
      const left = await this.pids();
      if (!left.length) break;
      if (i === 20) {
        problems.push(`processes left in ${this.name}: ${left.join(' ')}; killed`);
        for (const pid of left) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            /* gone */
          }
        }
      }
      await sleep(100);
    }
    const left = await this.pids();
    if (left.length) problems.push(`still running in ${this.name}: ${left.join(' ')}`);
    for (const tap of [...this.taps]) await this.delTap(tap);
    await run('ip', ['netns', 'del', this.name], { allowFail: true });
    const listed = await run('ip', ['netns', 'list']);
    if (listed.stdout.split('\n').some((l) => l.split(' ')[0] === this.name)) problems.push(`namespace ${this.name} still exists`);
    return problems;
  }
}
