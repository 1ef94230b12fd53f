// `check` against a real tgt (Debian's tgtd 1.0.85) on a loopback port of
// its own: what each configured target's line says when the NAS offers it,
// when its IQN is misspelled, when its LUN is missing, with CHAP right,
// wrong, missing and mutual, when discovery is refused, and when the
// SendTargets answer needs more than one Text response.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Check } from '../src/check/probes';
import { iscsiChecks } from '../src/check/iscsi';
import { model } from './helpers/config';
import { TgtOnLoopback } from './helpers/tgt';

const root = process.getuid?.() === 0;
const why = !root ? 'needs root (tgtd)' : '';
if (why && process.env.CI) throw new Error(`iSCSI tgt tests cannot run in CI: ${why}`);

const NAS = 'iqn.2024-01.lan.nas';
const PC7 = 'iqn.2010-04.org.ipxe:52-54-00-00-00-07';

/** A config with one portal (the tgt) and these targets, each `name: [iqn, lun, extra options]`. */
function config(port: number, targets: Record<string, [string, number, string?]>, extra = ''): string {
  return `
config netboot 'main'
	option iscsi_server '127.0.0.1'
	option iscsi_port '${port}'
${Object.entries(targets)
  .map(([name, [iqn, lun, opts]]) => `\nconfig target '${name}'\n\toption iqn '${iqn}'\n\toption lun '${lun}'\n${opts ?? ''}`)
  .join('')}
${extra}`;
}
const chap = (user: string, pass: string, ruser?: string, rpass?: string) =>
  `\toption chap_username '${user}'\n\toption chap_password '${pass}'\n${ruser ? `\toption reverse_chap_username '${ruser}'\n\toption reverse_chap_password '${rpass}'\n` : ''}`;

const byName = (checks: Check[]) => Object.fromEntries(checks.map((c) => [c.name.replace(/^iscsi (target )?/, ''), c]));

describe.skipIf(!!why)(`check asks a real tgt${why ? ` (skipped: ${why})` : ''}`, () => {
  let tgt: TgtOnLoopback;
  beforeAll(async () => {
    tgt = await TgtOnLoopback.start();
    await tgt.target(`${NAS}:win10`, [64 << 20]);
    const deb = await tgt.target(`${NAS}:debian12`, [1 << 20, 2 << 20]);
    await tgt.account(deb, 'pcuser', 'secret-pc-12');
    const mutual = await tgt.target(`${NAS}:mutual`);
    await tgt.account(mutual, 'mpc', 'secret-mpc-12');
    await tgt.account(mutual, 'nas', 'secret-nas-34', true);
    await tgt.target(`${NAS}:nolun`, []);
    // Only PC 7 may see and use this one (tgt hides it from other initiators' discovery).
    const acl = await tgt.target(`${NAS}:pc7only`);
    await tgt.adm(['--mode', 'target', '--op', 'unbind', '--tid', String(acl), '--initiator-address', 'ALL']);
    await tgt.adm(['--mode', 'target', '--op', 'bind', '--tid', String(acl), '--initiator-name', PC7]);
  }, 60000);
  afterAll(async () => tgt?.stop());

  it('confirms offered targets, their login (no CHAP, CHAP, mutual CHAP) and their LUN with its size', async () => {
    const host = `\nconfig host 'pc7'\n\toption mac '52:54:00:00:00:07'\n\toption target 'pc7only'\n\toption action 'boot'\n`;
    const checks = await iscsiChecks(
      model(
        config(
          tgt.port,
          {
            plain: [`${NAS}:win10`, 1],
            chap: [`${NAS}:debian12`, 2, chap('pcuser', 'secret-pc-12')],
            mutual: [`${NAS}:mutual`, 1, chap('mpc', 'secret-mpc-12', 'nas', 'secret-nas-34')],
            pc7only: [`${NAS}:pc7only`, 1],
          },
          host,
        ),
      ),
    );
    const by = byName(checks);
    expect(checks.map((c) => c.name)).toEqual([`iscsi 127.0.0.1:${tgt.port}`, 'iscsi target plain', 'iscsi target chap', 'iscsi target mutual', 'iscsi target pc7only']);
    // Discovery runs as the first target's PC (none here: the default initiator), which tgt does not show pc7only.
    expect(by[`127.0.0.1:${tgt.port}`]).toMatchObject({ ok: true, detail: expect.stringMatching(/^discovery lists 4 targets \(as iqn\.2010-04\.org\.ipxe:00-00-00-00-00-00, \d+ ms\)$/) });
    expect(by.plain).toMatchObject({ ok: true, detail: expect.stringMatching(new RegExp(`^${NAS}:win10 offered; logged in as iqn\\.2010-04\\.org\\.ipxe:00-00-00-00-00-00; LUN 1: 64 MiB in 512-byte blocks \\(\\d+ ms\\)$`)) });
    expect(by.chap).toMatchObject({ ok: true, detail: expect.stringContaining('offered; logged in as iqn.2010-04.org.ipxe:00-00-00-00-00-00 with CHAP; LUN 2: 2 MiB in 512-byte blocks') });
    expect(by.mutual).toMatchObject({ ok: true, detail: expect.stringContaining('with mutual CHAP; LUN 1: 1 MiB') });
    expect(by.pc7only).toMatchObject({ ok: true, detail: expect.stringContaining(`${NAS}:pc7only not listed to iqn.2010-04.org.ipxe:00-00-00-00-00-00, but logged in as ${PC7}; LUN 1`) });
    expect(checks.every((c) => c.probed === undefined)).toBe(true);
  });

  it('catches a misspelled IQN (naming the nearest offered one), a missing LUN, LUN 0 of tgt (its controller) and a target with no LUN', async () => {
    const by = byName(
      await iscsiChecks(
        model(
          config(tgt.port, {
            typo: [`${NAS}:win01`, 1],
            elsewhere: [`${NAS}:ubuntu-24-04`, 1],
            nolun: [`${NAS}:win10`, 3],
            controller: [`${NAS}:win10`, 0],
            empty: [`${NAS}:nolun`, 1],
          }),
        ),
      ),
    );
    expect(by.typo).toEqual({
      name: 'iscsi target typo',
      ok: false,
      detail: `${NAS}:win01 is not offered by 127.0.0.1:${tgt.port}; did you mean ${NAS}:win10? (it offers ${NAS}:win10, ${NAS}:debian12, ${NAS}:mutual, ${NAS}:nolun)`,
    });
    expect(by.elsewhere.detail).toBe(`${NAS}:ubuntu-24-04 is not offered by 127.0.0.1:${tgt.port}; it offers ${NAS}:win10, ${NAS}:debian12, ${NAS}:mutual, ${NAS}:nolun`);
    expect(by.nolun).toMatchObject({ ok: false, detail: `${NAS}:win10 offered; logged in as iqn.2010-04.org.ipxe:00-00-00-00-00-00; LUN 3 is not there: the target has LUNs 0, 1` });
    expect(by.controller).toMatchObject({
      ok: false,
      detail: expect.stringContaining('LUN 0 is there but is not a disk iPXE can boot: READ CAPACITY answered with CHECK CONDITION (sense ILLEGAL REQUEST, ASC/ASCQ 0x20/0x00)'),
    });
    expect(by.empty).toMatchObject({ ok: false, detail: expect.stringContaining('LUN 1 is not there: the target has LUN 0') });
  });

  it('says in one line when CHAP fails: a wrong secret, no credentials for a CHAP target, a NAS answering mutual CHAP with another secret', async () => {
    const by = byName(
      await iscsiChecks(
        model(
          config(tgt.port, {
            wrong: [`${NAS}:debian12`, 1, chap('pcuser', 'wrong-secret')],
            none: [`${NAS}:debian12`, 1],
            reverse: [`${NAS}:mutual`, 1, chap('mpc', 'secret-mpc-12', 'nas', 'not-the-nas-secret')],
          }),
        ),
      ),
    );
    expect(by.wrong).toEqual({
      name: 'iscsi target wrong',
      ok: false,
      detail: `CHAP failed: the NAS refused chap_username "pcuser" with this chap_password (${NAS}:debian12, as iqn.2010-04.org.ipxe:00-00-00-00-00-00, login status 0x0201)`,
    });
    expect(by.none.detail).toBe(`CHAP failed: the NAS wants credentials: set chap_username and chap_password (${NAS}:debian12, as iqn.2010-04.org.ipxe:00-00-00-00-00-00, login status 0x0201)`);
    expect(by.reverse.detail).toBe(
      `CHAP failed: ${NAS}:mutual, as iqn.2010-04.org.ipxe:00-00-00-00-00-00: the NAS answered mutual CHAP with a response that does not match reverse_chap_password (the NAS's own secret)`,
    );
    expect(tgt.log()).toContain('CHAP initiator auth.: authentication of iqn.2010-04.org.ipxe:00-00-00-00-00-00 failed (wrong secret!?)');
  });

  it('a portal that refuses discovery gets one line; its targets are still checked by logging in', async () => {
    // A discovery account (bind without --tid, tgtadm.c: GLOBAL_TID): tgt now wants CHAP for discovery.
    await tgt.adm(['--mode', 'account', '--op', 'new', '--user', 'disc', '--password', 'secret-disc-1']);
    await tgt.adm(['--mode', 'account', '--op', 'bind', '--user', 'disc']);
    try {
      const checks = await iscsiChecks(model(config(tgt.port, { plain: [`${NAS}:win10`, 1], typo: [`${NAS}:win01`, 1] })));
      const by = byName(checks);
      expect(by[`127.0.0.1:${tgt.port}`]).toEqual({
        name: `iscsi 127.0.0.1:${tgt.port}`,
        ok: false,
        detail: 'refuses discovery (as iqn.2010-04.org.ipxe:00-00-00-00-00-00): the NAS refused the login: authentication failed (login status 0x0201); each target is tried by logging in',
      });
      expect(by.plain).toMatchObject({ ok: true, detail: expect.stringContaining('LUN 1: 64 MiB') });
      expect(by.typo.detail).toBe(
        `${NAS}:win01, as iqn.2010-04.org.ipxe:00-00-00-00-00-00: the NAS refused the login: no such target on this portal (login status 0x0203) (discovery was refused, so there are no offered names to compare)`,
      );
    } finally {
      await tgt.adm(['--mode', 'account', '--op', 'unbind', '--user', 'disc']);
      await tgt.adm(['--mode', 'account', '--op', 'delete', '--user', 'disc']);
    }
  });

  it('reads a SendTargets answer that tgt splits over several Text responses (more than our 8192-byte MaxRecvDataSegmentLength)', async () => {
    const extra = await TgtOnLoopback.start('127.0.0.1', 1);
    try {
      const names = Array.from({ length: 150 }, (_, i) => `${NAS}:many-${String(i).padStart(3, '0')}`);
      for (const n of names) await extra.target(n, []);
      await extra.target(`${NAS}:last`);
      const by = byName(await iscsiChecks(model(config(extra.port, { last: [`${NAS}:last`, 1] }))));
      expect(by[`127.0.0.1:${extra.port}`].detail).toMatch(/^discovery lists 151 targets/);
      expect(by.last).toMatchObject({ ok: true, detail: expect.stringContaining(`${NAS}:last offered;`) });
    } finally {
      await extra.stop();
    }
  }, 60000);

  it('follows a redirect to another portal once, as iPXE does', async () => {
    // tgt redirects only an initiator whose own address differs from the new one (usr/iscsi/target.c target_redirected): 127.0.0.2.
    const other = await TgtOnLoopback.start('127.0.0.2', 2);
    try {
      await other.target(`${NAS}:moved`);
      const tid = await tgt.target(`${NAS}:moved`);
      for (const [k, v] of [['RedirectAddress', '127.0.0.2'], ['RedirectPort', String(other.port)], ['RedirectReason', 'Temporary']]) {
        await tgt.adm(['--mode', 'target', '--op', 'update', '--tid', String(tid), '--name', k, '--value', v]);
      }
      const by = byName(await iscsiChecks(model(config(tgt.port, { moved: [`${NAS}:moved`, 1] }))));
      expect(by.moved).toMatchObject({ ok: true, detail: expect.stringContaining(`${NAS}:moved offered; logged in at 127.0.0.2:${other.port} (redirected there) as iqn.2010-04.org.ipxe:00-00-00-00-00-00; LUN 1: 1 MiB`) });
      // Redirected to a portal that is not there: one line saying so.
      await tgt.adm(['--mode', 'target', '--op', 'update', '--tid', String(tid), '--name', 'RedirectPort', '--value', '1']);
      const gone = byName(await iscsiChecks(model(config(tgt.port, { moved: [`${NAS}:moved`, 1] })))).moved;
      expect(gone).toMatchObject({ ok: false, detail: `${NAS}:moved, as iqn.2010-04.org.ipxe:00-00-00-00-00-00: connect ECONNREFUSED 127.0.0.2:1` });
    } finally {
      await other.stop();
    }
  }, 60000);
});
