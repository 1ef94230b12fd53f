// Fault injection for tests: NETBOOT_FAILPOINT=<step> (or <step>#<n>, the n-th
// time that step is reached) makes netboot die with SIGKILL there, exactly as a
// power cut or `kill -9` would, so the tests can prove a killed apply is
// undone. <step>[#<n>]:stop stops it there instead (SIGSTOP), so a test can run
// other commands beside an apply in progress and then let it go on (SIGCONT).
// Unset, it costs nothing.

import { platform } from '../platform';

const [point, action] = (platform.env('NETBOOT_FAILPOINT') ?? '').split(':');
const [target, nth] = point.split('#');
let reached = 0;

export function failpoint(step: string): void {
  if (step === target && ++reached === Number(nth ?? 1)) platform.killSelf(action === 'stop' ? 'SIGSTOP' : 'SIGKILL');
}
