// The rpcd dhcp backend as the bundle runs it under qjs: through the ubus
// command, with netboot's own session. test/dhcp-backends.test.ts bundles
// this and runs it under the wasm QuickJS against real ubusd + rpcd.
// argv: SOCKET UBUS. Prints one JSON object: the sections read before, after
// applying the example model, the sections a second plan would still change,
// and after undoing; or the error a call gave.
import { desiredDhcp } from '../../src/dhcp/desired';
import { editFromPlan, undoFromPlan } from '../../src/dhcp/edit';
import { planDhcp } from '../../src/dhcp/plan';
import { UbusDhcpBackend } from '../../src/dhcp/ubus-backend';
import { platform } from '../../src/platform';
import { UbusCli } from '../../src/ubus';
import type { UciPackage } from '../../src/uci';
import { model } from './config';

const [socket, ubus] = platform.argv;
const sections = (p: UciPackage | undefined) => (p?.sections ?? []).map((s) => [s.type, s.anonymous ? '' : s.name, Object.fromEntries(s.options)]);

async function main() {
  const backend = new UbusDhcpBackend(new UbusCli(socket, ubus));
  const out: Record<string, unknown> = {};
  try {
    const before = await backend.read();
    out.before = sections(before);
    const plan = planDhcp(desiredDhcp(model()), before);
    await backend.write(editFromPlan(plan));
    const after = await backend.read();
    out.after = sections(after);
    out.again = planDhcp(desiredDhcp(model()), after).sections.length;
    await backend.write(undoFromPlan(plan));
    out.undone = sections(await backend.read());
  } catch (e) {
    out.error = (e as Error).message;
  }
  platform.write('stdout', `${JSON.stringify(out)}\n`);
  platform.exit(0);
}
void main();
