// 1,000 `uci get` calls through netboot's native ubus client against the same
// through a spawned `ubus call`, on OpenWrt's real ubusd and rpcd
// (OWRT_PREFIX); bundled and run by scripts/bench.mjs.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UbusClient } from '../src/ubus';
import { OWRT_PREFIX, startUserland } from '../test/helpers/owrt';

export async function benchUbus(dhcp: string): Promise<{ nativeMs: number; spawnedMs: number } | undefined> {
  if (!OWRT_PREFIX) return undefined;
  const config = mkdtempSync(join(tmpdir(), 'netboot-bench-config-'));
  writeFileSync(join(config, 'dhcp'), dhcp);
  const land = await startUserland(config);
  try {
    const c = await UbusClient.connect({ path: land.socket });
    const args = { config: 'dhcp', section: 'lan' };
    const time = async (n: number, fn: () => unknown) => {
      const t = performance.now();
      for (let i = 0; i < n; i++) await fn();
      return (performance.now() - t) / n;
    };
    await time(50, () => c.call('uci', 'get', args));
    const nativeMs = await time(1000, () => c.call('uci', 'get', args));
    const spawnedMs = await time(100, () => execFileSync(join(OWRT_PREFIX, 'bin/ubus'), ['-s', land.socket, 'call', 'uci', 'get', JSON.stringify(args)]));
    c.close();
    return { nativeMs, spawnedMs };
  } finally {
    land.stop();
  }
}
