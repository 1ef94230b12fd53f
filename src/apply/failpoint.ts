// Fault injection for tests: NETBOOT_FAILPOINT=<step> (or <step>#<n>, the n-th
// time that step is reached) makes netboot die with SIGKILL there, exactly as a
// power cut or `kill -9` would, so the tests can prove a killed apply is
// undone. Unset, it costs nothing.

const [target, nth] = (process.env.NETBOOT_FAILPOINT ?? '').split('#');
let reached = 0;

export function failpoint(step: string): void {
  if (step === target && ++reached === Number(nth ?? 1)) process.kill(process.pid, 'SIGKILL');
}
