// `check`'s iSCSI questions per portal (discovery, then for one target a
// login, REPORT LUNS, READ CAPACITY, each session logged out) against a real
// tgt on loopback, next to a bare TCP connect to the same portal (what the
// check did before); root and tgtd only. Bundled and run by scripts/bench.mjs.
import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { iscsiChecks } from '../src/check/iscsi';
import { loadConfig } from '../src/config/load';
import { parseUci } from '../src/uci';
import { TgtOnLoopback } from '../test/helpers/tgt';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function benchIscsi(): Promise<{ checkMs: number; connectMs: number } | string> {
  if (process.getuid?.() !== 0) return 'needs root (tgtd)';
  if (spawnSync('sh', ['-c', 'command -v tgtd && command -v tgtadm']).status !== 0) return 'needs tgtd and tgtadm (Debian: tgt)';
  const tgt = await TgtOnLoopback.start();
  try {
    await tgt.target('iqn.2024-01.lan.nas:bench', [64 << 20]);
    const text = `config netboot 'main'\n\toption iscsi_server '127.0.0.1'\n\toption iscsi_port '${tgt.port}'\n\nconfig target 'bench'\n\toption iqn 'iqn.2024-01.lan.nas:bench'\n\toption lun '1'\n`;
    const model = loadConfig(parseUci(text, 'netboot')).model!;
    const time = async (fn: () => Promise<unknown>) => {
      const t = performance.now();
      await fn();
      return performance.now() - t;
    };
    const check = async () => {
      const lines = await iscsiChecks(model);
      if (!lines.every((l) => l.ok)) throw new Error(`bench check failed: ${JSON.stringify(lines)}`);
    };
    const tcp = () =>
      new Promise<void>((resolve, reject) => {
        const s = connect({ host: '127.0.0.1', port: tgt.port }, () => (s.destroy(), resolve()));
        s.on('error', reject);
      });
    await check();
    const checkMs = median(await sequence(21, () => time(check)));
    const connectMs = median(await sequence(21, () => time(tcp)));
    return { checkMs, connectMs };
  } finally {
    await tgt.stop();
  }
}

async function sequence(n: number, fn: () => Promise<number>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await fn());
  return out;
}
