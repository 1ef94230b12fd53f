// The ubus object `netboot` (docs/design.md, "The ubus API"): each method
// answers from the app layer or the boot journeys, and every meaningful step
// becomes one log line. A bad call is answered with a ubus error, never by
// ending the process.

import { UbusError, UbusStatus, type BlobmsgInputTable, type BlobmsgTable, type MethodSpec, type UbusClient, type UbusObject } from '../ubus';
import { InvalidEvent, isDhcpv6Lease, parseEvent, parseMac } from './events';
import { journeyJson, relativeToRoot, type Journeys } from './journeys';

/** The operations the daemon serves; each returns the object of the design's table. */
export interface DaemonApp {
  status(): Promise<object>;
  validate(): Promise<object>;
  plan(): Promise<object>;
  apply(): Promise<{ ok: boolean; message: string }>;
  preview(mac: string): Promise<object>;
  check(): Promise<object>;
  /** The TFTP root as the router sees it, to show fetched files relative to it. */
  tftpRoot(): string;
}

/** Where the daemon's lines go: errors apart from the rest, so syslog can tell them apart. */
export interface Logger {
  info(line: string): void;
  error(line: string): void;
}

export interface ServerDeps {
  app: DaemonApp;
  journeys: Journeys;
  /** The MAC leasing an address, for TFTP events from addresses no DHCP event named. */
  leaseMac: (ip: string) => string | undefined;
  log: Logger;
  now?: () => number;
}

// The app's reports are typed interfaces; ubus sends their JSON form, which
// is also what drops undefined members the way the CLI's --json does.
const asTable = (v: object): BlobmsgInputTable => JSON.parse(JSON.stringify(v)) as BlobmsgInputTable;

const invalid = (method: string) => new UbusError(UbusStatus.INVALID_ARGUMENT, `call netboot ${method}`);

export class NetbootService {
  private readonly now: () => number;
  // One apply at a time: a reload trigger arriving during an apply runs after it.
  private applying: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: ServerDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Applies the config (after any apply in progress) and logs the outcome. */
  async apply(): Promise<{ ok: boolean; message: string }> {
    const run = this.applying.then(() => this.deps.app.apply());
    this.applying = run.catch(() => undefined);
    const r = await run;
    const line = `netboot: apply ${r.ok ? 'ok' : 'failed'}: ${r.message}`;
    if (r.ok) this.deps.log.info(line);
    else this.deps.log.error(line);
    return r;
  }

  /** Records one dnsmasq event; throws InvalidEvent for a bad payload. */
  event(args: BlobmsgTable): void {
    const { app, journeys, log } = this.deps;
    // dnsmasq reports its DHCPv6 leases too (a DUID where the MAC would be);
    // network boots here are IPv4, so they are no one's journey and no error.
    if (isDhcpv6Lease(args)) return;
    let e = parseEvent(args);
    if (e.source === 'tftp' && !e.mac && !journeys.macOf(e.ip)) e = { ...e, mac: this.deps.leaseMac(e.ip) ?? null };
    const root = app.tftpRoot();
    const out = journeys.record(e, this.now(), root);
    if (out.recorded) log.info(`netboot: ${out.journey.mac} ${out.journey.ip ?? '-'} ${out.step.detail}`);
    else if (e.source === 'tftp') log.info(`netboot: ${e.ip} fetched ${relativeToRoot(e.path, root)} (${out.reason})`);
  }

  methods(): Record<string, MethodSpec> {
    const { app, journeys, log } = this.deps;

    /** Runs an operation; an unexpected failure is logged and answered UNKNOWN_ERROR. */
    const guarded =
      (method: string, run: (args: BlobmsgTable) => Promise<object>): MethodSpec['handler'] =>
      async (args) => {
        try {
          return asTable(await run(args));
        } catch (e) {
          if (e instanceof UbusError) throw e;
          log.error(`netboot: ${method} failed: ${(e as Error).message}`);
          throw new UbusError(UbusStatus.UNKNOWN_ERROR, `call netboot ${method}`);
        }
      };

    return {
      status: { handler: guarded('status', () => app.status()) },
      validate: { handler: guarded('validate', () => app.validate()) },
      plan: { handler: guarded('plan', () => app.plan()) },
      apply: { handler: guarded('apply', () => this.apply()) },
      check: { handler: guarded('check', () => app.check()) },
      preview: {
        signature: { mac: 'string' },
        handler: guarded('preview', (args) => {
          const mac = parseMac(args.mac);
          if (!mac) throw invalid('preview');
          return app.preview(mac);
        }),
      },
      clients: {
        signature: { mac: 'string' },
        handler: (args) => {
          // An optional mac narrows the answer to one PC (LuCI's per-host view).
          const mac = args.mac === undefined ? undefined : parseMac(args.mac);
          if (args.mac !== undefined && !mac) throw invalid('clients');
          return { clients: journeys.list().filter((j) => !mac || j.mac === mac).map(journeyJson) };
        },
      },
      event: {
        signature: { source: 'string', action: 'string', mac: 'string', ip: 'string', hostname: 'string', path: 'string', size: 'string', vendorclass: 'string', userclass: 'array', tags: 'string' },
        handler: (args) => {
          try {
            this.event(args);
          } catch (err) {
            if (!(err instanceof InvalidEvent)) throw err;
            log.error(`netboot: event rejected: ${err.message}`);
            throw invalid('event');
          }
        },
      },
    };
  }

  /** Registers `netboot` on the bus. */
  serve(client: UbusClient): Promise<UbusObject> {
    return client.addObject('netboot', this.methods());
  }
}
