// LuCI's po2lmo (modules/luci-base/src/po2lmo.c) in JavaScript, so the
// translation package builds without the OpenWrt SDK. It reproduces the C
// tool byte for byte, quirks included: strings keep their PO escapes except
// \" and \\, untranslated and identical entries are dropped, the header
// contributes only its Plural-Forms, and no file is produced when nothing
// is left. Usage as a tool: node po2lmo.mjs input.po output.lmo
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// po2lmo.c reads lines with fgets into 4096-byte buffers and builds keys
// with snprintf into 4096 bytes; longer input would be cut there. Refuse it
// instead of producing a catalog that differs from the C tool's.
const C_BUFFER = 4096;

/**
 * Paul Hsieh's SuperFastHash as LuCI's lib/lmo.c has it: little-endian
 * 16-bit reads, the trailing byte sign-extended (signed char), seeded with
 * the length.
 * @param {Buffer} data
 */
export function sfhHash(data) {
  const len = data.length;
  if (len === 0) return 0;
  const get16 = (i) => data[i] | (data[i + 1] << 8);
  const signed = (b) => (b >= 128 ? b - 256 : b);
  let hash = len;
  let i = 0;
  for (let n = len >>> 2; n > 0; n--, i += 4) {
    hash = (hash + get16(i)) >>> 0;
    const tmp = ((get16(i + 2) << 11) ^ hash) >>> 0;
    hash = ((hash << 16) ^ tmp) >>> 0;
    hash = (hash + (hash >>> 11)) >>> 0;
  }
  switch (len & 3) {
    case 3:
      hash = (hash + get16(i)) >>> 0;
      hash = (hash ^ (hash << 16)) >>> 0;
      hash = (hash ^ (signed(data[i + 2]) << 18)) >>> 0;
      hash = (hash + (hash >>> 11)) >>> 0;
      break;
    case 2:
      hash = (hash + get16(i)) >>> 0;
      hash = (hash ^ (hash << 11)) >>> 0;
      hash = (hash + (hash >>> 17)) >>> 0;
      break;
    case 1:
      hash = (hash + signed(data[i])) >>> 0;
      hash = (hash ^ (hash << 10)) >>> 0;
      hash = (hash + (hash >>> 1)) >>> 0;
  }
  hash = (hash ^ (hash << 3)) >>> 0;
  hash = (hash + (hash >>> 5)) >>> 0;
  hash = (hash ^ (hash << 4)) >>> 0;
  hash = (hash + (hash >>> 17)) >>> 0;
  hash = (hash ^ (hash << 25)) >>> 0;
  hash = (hash + (hash >>> 6)) >>> 0;
  return hash;
}

const startsWith = (line, prefix) => line.subarray(0, prefix.length).equals(Buffer.from(prefix));

// extract_string(): the text between the first quote and the next unescaped
// one; \" and \\ lose their backslash, every other escape stays as written.
// null for comments and lines without a quote, like the C tool's -1.
function extractString(line) {
  if (line[0] === 0x23 /* # */) return null;
  const open = line.indexOf(0x22 /* " */);
  if (open < 0) return null;
  const out = [];
  for (let i = open + 1; i < line.length; i++) {
    const c = line[i];
    if (c === 0x5c /* \ */ && i + 1 < line.length) {
      const next = line[i + 1];
      if (next === 0x22 || next === 0x5c) out.push(next);
      else out.push(c, next);
      i++;
    } else if (c === 0x22) {
      break;
    } else {
      out.push(c);
    }
  }
  return Buffer.from(out);
}

const pad4 = (n) => (4 - (n % 4)) % 4;

/**
 * Converts PO text to LMO bytes, or null where po2lmo writes no file.
 * @param {Buffer} po
 * @returns {Buffer | null}
 */
export function po2lmo(po) {
  const strings = [];
  const index = [];
  let offset = 0;

  const add = (keyId, valId, value) => {
    index.push({ keyId, valId, offset, length: value.length });
    strings.push(value, Buffer.alloc(pad4(value.length)));
    offset += value.length + pad4(value.length);
  };

  let msg = { pluralNum: -1, ctxt: null, id: null, idPlural: null, val: [] };
  let cur = null;

  const flush = () => {
    if (msg.id && msg.val[0]) {
      for (let i = 0; i <= msg.pluralNum; i++) {
        const val = msg.val[i];
        if (!val) continue;
        const parts = [];
        if (msg.ctxt) parts.push(msg.ctxt, Buffer.from([1]));
        parts.push(msg.id);
        if (msg.idPlural) parts.push(Buffer.from(`\x02${i}`));
        const key = Buffer.concat(parts);
        if (key.length >= C_BUFFER) throw new Error(`po2lmo: key longer than ${C_BUFFER - 1} bytes: ${msg.id}`);
        if (sfhHash(key) !== sfhHash(val)) add(sfhHash(key), msg.pluralNum + 1, val);
      }
    } else if (msg.val[0]) {
      // The header: fields end at the two characters \n, read with the C
      // tool's escape state so that "\\n" is not an end.
      const header = msg.val[0];
      let field = 0;
      let esc = false;
      for (let p = 0; p < header.length; p++) {
        if (esc) {
          if (header[p] === 0x6e /* n */) {
            const f = header.subarray(field, p - 1);
            if (f.subarray(0, 14).toString('latin1').toLowerCase() === 'plural-forms: ') {
              add(0, 0, f.subarray(14));
              break;
            }
            field = p + 1;
          }
          esc = false;
        } else if (header[p] === 0x5c) {
          esc = true;
        }
      }
    }
    msg = { pluralNum: 0, ctxt: null, id: null, idPlural: null, val: [] };
  };

  const lines = [];
  for (let start = 0; start < po.length; ) {
    const nl = po.indexOf(0x0a, start);
    const end = nl < 0 ? po.length : nl + 1;
    if (end - start >= C_BUFFER) throw new Error(`po2lmo: line longer than ${C_BUFFER - 1} bytes at byte ${start}`);
    lines.push(po.subarray(start, end));
    start = end;
  }

  for (const line of [...lines, null]) {
    if (line && startsWith(line, 'msgctxt "')) {
      if (msg.id || msg.val[0]) flush();
      msg.ctxt = null;
      cur = 'ctxt';
    } else if (!line || startsWith(line, 'msgid "')) {
      if (msg.id || msg.val[0]) flush();
      msg.id = null;
      cur = 'id';
    } else if (startsWith(line, 'msgid_plural "')) {
      msg.idPlural = null;
      cur = 'idPlural';
    } else if (startsWith(line, 'msgstr "') || startsWith(line, 'msgstr[')) {
      msg.pluralNum = line[6] === 0x5b /* [ */ ? parseInt(line.subarray(7).toString('latin1'), 10) || 0 : 0;
      if (msg.pluralNum >= 10) throw new Error('po2lmo: too many plural forms');
      msg.val[msg.pluralNum] = null;
      cur = msg.pluralNum;
    }
    if (!line) break;
    if (cur === null) continue;
    const text = extractString(line);
    if (!text || text.length === 0) continue;
    if (typeof cur === 'number') msg.val[cur] = msg.val[cur] ? Buffer.concat([msg.val[cur], text]) : text;
    else msg[cur] = msg[cur] ? Buffer.concat([msg[cur], text]) : text;
  }

  if (offset === 0) return null;
  const table = Buffer.alloc(index.length * 16 + 4);
  // Array.prototype.sort is stable, glibc's qsort (a merge sort) keeps equal keys in order too.
  index.sort((a, b) => a.keyId - b.keyId);
  index.forEach((e, n) => {
    table.writeUInt32BE(e.keyId, n * 16);
    table.writeUInt32BE(e.valId, n * 16 + 4);
    table.writeUInt32BE(e.offset, n * 16 + 8);
    table.writeUInt32BE(e.length, n * 16 + 12);
  });
  table.writeUInt32BE(offset, index.length * 16);
  return Buffer.concat([...strings, table]);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [input, output] = process.argv.slice(2);
  if (!input || !output) {
    console.error('Usage: po2lmo.mjs input.po output.lmo');
    process.exit(1);
  }
  const lmo = po2lmo(readFileSync(input));
  if (lmo) writeFileSync(output, lmo);
  else rmSync(output, { force: true });
}
