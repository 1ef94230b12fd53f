// Runs scenarios phase by phase (a phase = one netboot config and one dnsmasq config);
// inside a phase they run concurrently, and Lab.withVm keeps it to two VMs at a time.
// Each scenario's outcome is a promise a test can await; it never rejects.

export interface ScenarioResult {
  /** Seconds from VM start to the scenario's marker. */
  seconds: number;
  detail?: string;
}

export interface Scenario {
  id: string;
  title: string;
  firmware: 'bios' | 'uefi' | '-';
  run: () => Promise<ScenarioResult>;
}

export interface Phase {
  name: string;
  setup: () => Promise<void>;
  scenarios: Scenario[];
}

export type Outcome = { ok: true; result: ScenarioResult } | { ok: false; error: Error };

export class Runner {
  readonly outcomes = new Map<string, Promise<Outcome>>();
  private settle = new Map<string, (o: Outcome) => void>();
  private order: Scenario[] = [];
  private settled = new Map<string, Outcome>();
  readonly startedAt = Date.now();
  done: Promise<void> = Promise.resolve();

  constructor(private readonly phases: Phase[]) {
    for (const p of phases) {
      for (const s of p.scenarios) {
        this.order.push(s);
        this.outcomes.set(s.id, new Promise<Outcome>((r) => this.settle.set(s.id, r)));
      }
    }
  }

  private finish(id: string, o: Outcome): void {
    this.settled.set(id, o);
    this.settle.get(id)!(o);
  }

  /** Starts the phases in the background (after `before`); `done` resolves when all settled. */
  start(before: Promise<void>): void {
    this.done = (async () => {
      let labError: Error | undefined;
      try {
        await before;
      } catch (e) {
        labError = e as Error;
      }
      for (const phase of this.phases) {
        let setupError = labError;
        if (!setupError) {
          try {
            await phase.setup();
          } catch (e) {
            setupError = new Error(`phase ${phase.name} setup failed: ${(e as Error).message}`);
          }
        }
        await Promise.all(
          phase.scenarios.map(async (s) => {
            if (setupError) return this.finish(s.id, { ok: false, error: setupError });
            try {
              this.finish(s.id, { ok: true, result: await s.run() });
            } catch (e) {
              this.finish(s.id, { ok: false, error: e as Error });
            }
          }),
        );
      }
    })();
  }

  /** Awaits a scenario and throws its error, for use inside a test. */
  async expectOk(id: string): Promise<ScenarioResult> {
    const o = await this.outcomes.get(id);
    if (!o) throw new Error(`no scenario ${id}`);
    if (!o.ok) throw o.error;
    return o.result;
  }

  seconds(id: string): number | undefined {
    const o = this.settled.get(id);
    return o?.ok ? o.result.seconds : undefined;
  }

  table(): string {
    const rows = this.order.map((s) => {
      const o = this.settled.get(s.id);
      const status = !o ? 'not run' : o.ok ? 'PASS' : 'FAIL';
      const secs = o?.ok ? o.result.seconds.toFixed(1).padStart(6) : '     -';
      return `${s.id.padEnd(10)} ${s.firmware.padEnd(5)} ${status.padEnd(7)} ${secs}  ${s.title}${o?.ok && o.result.detail ? ` (${o.result.detail})` : ''}`;
    });
    return [`${'scenario'.padEnd(10)} ${'fw'.padEnd(5)} ${'result'.padEnd(7)} ${'  secs'}  what`, ...rows].join('\n');
  }
}
