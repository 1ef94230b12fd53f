// libubox's jshn.sh where libubox is not installed (Debian has no package, so
// CI has no OWRT_PREFIX): without it netboot's dnsmasq script spools nothing,
// and no beacon reaches netboot. The stand-in has the five functions of
// openwrt/libubox 1aa36ee sh/jshn.sh that the script calls, with their
// contract: json_init starts an object; json_add_string NAME VALUE adds a
// string (an array's items have empty names); json_add_array NAME and
// json_close_array open and close an array; json_dump prints the object as
// one line of JSON (jshn -w). The fields are kept in order between ASCII unit
// and record separators, and node writes the JSON.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const US = '\x1f';
const RS = '\x1e';

const DUMP = `
const stack = [{}];
let text = '';
process.stdin.on('data', (d) => (text += d));
process.stdin.on('end', () => {
  for (const rec of text.split('${RS}').filter(Boolean)) {
    const [kind, name, value] = rec.split('${US}');
    const top = stack[stack.length - 1];
    const put = (v) => (Array.isArray(top) ? top.push(v) : (top[name] = v));
    if (kind === 's') put(value);
    else if (kind === 'a') { const a = []; put(a); stack.push(a); }
    else if (kind === 'c') stack.pop();
  }
  process.stdout.write(JSON.stringify(stack[0]) + '\\n');
});`;

/** Writes the stand-in as PREFIX/share/libubox/jshn.sh under `dir`; returns PREFIX. */
export function jshnStandIn(dir: string): string {
  mkdirSync(join(dir, 'share/libubox'), { recursive: true });
  writeFileSync(join(dir, 'dump.js'), DUMP);
  writeFileSync(
    join(dir, 'share/libubox/jshn.sh'),
    [
      'json_init() { JSHN_FIELDS=; }',
      `json_add_string() { JSHN_FIELDS="\${JSHN_FIELDS}s${US}$1${US}$2${RS}"; }`,
      `json_add_array() { JSHN_FIELDS="\${JSHN_FIELDS}a${US}$1${RS}"; }`,
      `json_close_array() { JSHN_FIELDS="\${JSHN_FIELDS}c${RS}"; }`,
      `json_dump() { printf %s "$JSHN_FIELDS" | ${process.execPath} ${join(dir, 'dump.js')}; }`,
      '',
    ].join('\n'),
  );
  return dir;
}
