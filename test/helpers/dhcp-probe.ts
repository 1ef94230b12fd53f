// The dhcp backend a router gets under qjs, picked as netboot picks it
// (src/dhcp/select.ts: a ubus socket and the ubus command on PATH), used as
// apply uses it. test/dhcp-backends.test.ts bundles this and runs it under the
// wasm QuickJS against real ubusd + rpcd.
// argv: SOCKET. Prints one JSON object: the backend's name, the sections read before, after
// applying the example model, the sections a second plan would still change,
// and after undoing; or the error a call gave.
import { desiredDhcp } from '../../src/dhcp/desired';
import { editFromPlan, undoFromPlan } from '../../src/dhcp/edit';
import { planDhcp } from '../../src/dhcp/plan';
import { openDhcpBackend } from '../../src/dhcp/select';
import { RouterRoot } from '../../src/fs/root';
import { platform } from '../../src/platform';
import type { UciPackage } from '../../src/uci';
import { model } from './config';

const [socket] = platform.argv;
const sections = (p: UciPackage | undefined) => (p?.sections ?? []).map((s) => [s.type, s.anonymous ? '' : s.name, Object.fromEntries(s.options)]);

async function main() {
  const out: Record<string, unknown> = {};
  try {
    const backend = await openDhcpBackend(new RouterRoot('/'), { ubusSocket: socket });
    out.backend = backend.name;
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
