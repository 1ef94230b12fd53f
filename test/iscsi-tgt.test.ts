import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { iscsiChecks } from '../src/check/iscsi';
import { model } from './helpers/config';
import { TgtOnLoopback } from './helpers/tgt';

let tgt: TgtOnLoopback;
beforeAll(async () => {
  tgt = await TgtOnLoopback.start();
  await tgt.target('iqn.2024-01.lan.nas:disk1', [64 << 20]);
  const t2 = await tgt.target('iqn.2024-01.lan.nas:disk2');
  await tgt.account(t2, 'pcuser', 'secret-pc-12');
}, 30000);
afterAll(async () => tgt?.stop());

describe('scratch', () => {
  it('runs', async () => {
    const m = model(`
config netboot 'main'
	option iscsi_server '127.0.0.1'
	option iscsi_port '${tgt.port}'

config target 'disk1'
	option iqn 'iqn.2024-01.lan.nas:disk1'
	option lun '1'

config target 'disk2'
	option iqn 'iqn.2024-01.lan.nas:disk2'
	option lun '1'
	option chap_username 'pcuser'
	option chap_password 'secret-pc-12'

config target 'typo'
	option iqn 'iqn.2024-01.lan.nas:dsik1'
	option lun '1'

config target 'nolun'
	option iqn 'iqn.2024-01.lan.nas:disk1'
	option lun '3'

config target 'ctl'
	option iqn 'iqn.2024-01.lan.nas:disk1'
	option lun '0'

config target 'badchap'
	option iqn 'iqn.2024-01.lan.nas:disk2'
	option lun '1'
	option chap_username 'pcuser'
	option chap_password 'wrong-secret'
`);
    console.log(JSON.stringify(await iscsiChecks(m), null, 1));
    console.log(tgt.log());
  });
});
