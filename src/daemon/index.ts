// `netboot daemon`: run by procd (files/etc/init.d/netboot). Applies the
// config once at start, serves the ubus object `netboot` until SIGTERM, and
// reconnects when ubusd restarts, keeping the boot journeys in memory.

import type { RouterRoot } from '../fs/root';
import { UbusClient } from '../ubus';
import { Journeys, type JourneyLimits } from './journeys';
import { LEASE_FILE, leaseLookup } from './leases';
import { NetbootService, type DaemonApp, type Logger } from './server';

export interface DaemonOptions {
  root: RouterRoot;
  /** ubusd's socket; the default paths when absent. */
  socketPath?: string;
  app: DaemonApp;
  limits?: JourneyLimits;
  log?: Logger;
  /** Ends the daemon, as SIGTERM and SIGINT do. */
  signal?: AbortSignal;
}

// procd logs an instance's stdout at daemon.info and its stderr at daemon.err
// (procd service/instance.c, instance_stdout/instance_stderr).
const PROCD_LOG: Logger = {
  info: (line) => process.stdout.write(`${line}\n`),
  error: (line) => process.stderr.write(`${line}\n`),
};

const RETRY_FIRST_MS = 250;
const RETRY_MAX_MS = 10_000;

/** Resolves when the daemon has stopped (signal, SIGTERM or SIGINT). */
export async function runDaemon(opts: DaemonOptions): Promise<void> {
  const log = opts.log ?? PROCD_LOG;
  const service = new NetbootService({ app: opts.app, journeys: new Journeys(opts.limits), leaseMac: leaseLookup(opts.root.path(LEASE_FILE)), log });

  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGTERM', onSignal).once('SIGINT', onSignal);
  opts.signal?.addEventListener('abort', onSignal, { once: true });
  const stopped = new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true }));
  // Cut short by a stop, so the timer does not hold the process.
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        stop.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      stop.signal.addEventListener('abort', done, { once: true });
    });

  log.info(`netboot: daemon started (pid ${process.pid})`);
  // Brings files and dhcp in line with the config after boot, an upgrade or a killed apply.
  const started = service.apply().catch((e: Error) => log.error(`netboot: apply failed: ${e.message}`));

  let retry = RETRY_FIRST_MS;
  let lastError = '';
  while (!stop.signal.aborted) {
    let client: UbusClient | undefined;
    try {
      client = await UbusClient.connect({ path: opts.socketPath });
      await service.serve(client);
    } catch (e) {
      client?.close();
      // One line per distinct failure, not one per retry.
      const message = (e as Error).message;
      if (message !== lastError) log.error(`netboot: cannot register on ubus (${message}); retrying`);
      lastError = message;
      await pause(retry);
      retry = Math.min(retry * 2, RETRY_MAX_MS);
      continue;
    }
    log.info('netboot: ubus object netboot registered');
    retry = RETRY_FIRST_MS;
    lastError = '';
    const lost = await Promise.race([client.closed, stopped]);
    client.close();
    if (!stop.signal.aborted) log.error(`netboot: lost the ubus connection (${lost?.message ?? 'closed'}); reconnecting`);
  }

  process.off('SIGTERM', onSignal).off('SIGINT', onSignal);
  await started;
  log.info('netboot: daemon stopped');
}
