// scripts/package/po2lmo.mjs against LuCI's own po2lmo: the golden
// test/fixtures/package/zh_Hans.lmo was written by po2lmo.c (openwrt/luci
// 633ba0a, modules/luci-base/src) from zh_Hans.po, and the hashes below by
// that tree's lib/lmo.c sfh_hash. The catalog is then read back the way
// lmo_open / lmo_find_entry do.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..');
const FIXTURES = join(__dirname, 'fixtures/package');
const dir = mkdtempSync(join(tmpdir(), 'netboot-lmo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function po2lmo(po: string): Buffer | null {
  const input = join(dir, 'in.po');
  const output = join(dir, 'out.lmo');
  writeFileSync(input, po);
  writeFileSync(output, 'stale');
  execFileSync(process.execPath, [join(ROOT, 'scripts/package/po2lmo.mjs'), input, output], { stdio: 'pipe' });
  return existsSync(output) ? readFileSync(output) : null;
}

interface Entry {
  keyId: number;
  valId: number;
  value: Buffer;
}

// lmo_open: the last word is the index offset; the index runs to the word before it.
function readLmo(lmo: Buffer): Entry[] {
  const index = lmo.readUInt32BE(lmo.length - 4);
  const entries: Entry[] = [];
  for (let at = index; at < lmo.length - 4; at += 16) {
    const offset = lmo.readUInt32BE(at + 8);
    entries.push({ keyId: lmo.readUInt32BE(at), valId: lmo.readUInt32BE(at + 4), value: lmo.subarray(offset, offset + lmo.readUInt32BE(at + 12)) });
  }
  return entries;
}

describe('po2lmo', () => {
  const lmo = po2lmo(readFileSync(join(FIXTURES, 'zh_Hans.po'), 'utf8'))!;

  it("writes the same bytes as LuCI's po2lmo", () => {
    expect(lmo.equals(readFileSync(join(FIXTURES, 'zh_Hans.lmo')))).toBe(true);
  });

  it('reads back: index sorted by hash for the binary search, every string 4-byte aligned', () => {
    const entries = readLmo(lmo);
    const ids = entries.map((e) => e.keyId);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(lmo.readUInt32BE(lmo.length - 4) % 4).toBe(0);
    // 10 translations and the header's Plural-Forms; the untranslated, the
    // translated-to-itself and the obsolete entries are left out.
    expect(entries).toHaveLength(11);
  });

  it('finds each translation under sfh_hash of its key (context \\1 id \\2 plural form)', () => {
    const byKey = new Map(readLmo(lmo).map((e) => [e.keyId, e]));
    const expected: [number, string, string][] = [
      [1023405501, 'Network boot', '网络启动'],
      [983626014, 'Targets', '目标'],
      [3583205764, 'iSCSI\\1Target', '目标磁盘'],
      [263522570, '%d host\\2 0', '%d 台主机'],
      [1379159388, 'clients\\1%d client\\2 0', '%d 个客户端'],
      // \" and \\ are unescaped, \n stays two characters, in key and value.
      [1503487119, 'Say "hi" to C:\\boot\\n', '说 "你好" 给 C:\\boot\\n'],
      [3102775832, 'continued lines', '一段很长的帮助文字，在第二行继续。'],
      [3535673738, 'abc (a 3-byte tail)', 'x'],
      [1366002500, 'ab (a 2-byte tail)', 'y'],
      [291415938, 'a (a 1-byte tail)', 'z'],
    ];
    for (const [hash, what, value] of expected) {
      expect(byKey.get(hash)?.value.toString('utf8'), what).toBe(value);
      expect(byKey.get(hash)?.valId, what).toBe(1);
    }
    expect(byKey.get(0)).toMatchObject({ valId: 0, value: Buffer.from('nplurals=1; plural=0;') });
  });

  it('numbers plural forms and records their count', () => {
    const entries = readLmo(
      po2lmo('msgid "%d file"\nmsgid_plural "%d files"\nmsgstr[0] "%d Datei"\nmsgstr[1] "%d Dateien"\n')!,
    );
    expect(entries.map((e) => [e.keyId, e.valId, e.value.toString()])).toEqual([
      [1958568302, 2, '%d Datei'],
      [1959463222, 2, '%d Dateien'],
    ]);
  });

  it('writes no file (and removes an old one) when nothing is translated', () => {
    expect(po2lmo('msgid ""\nmsgstr "Language: zh_Hans\\n"\n\nmsgid "Targets"\nmsgstr ""\n\nmsgid "OK"\nmsgstr "OK"\n')).toBeNull();
  });

  it('refuses lines the C tool would cut at its 4096-byte buffer', () => {
    expect(() => po2lmo(`msgid "${'x'.repeat(5000)}"\nmsgstr "y"\n`)).toThrow(/line longer than 4095 bytes/);
  });
});
