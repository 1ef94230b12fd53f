// In-process timings of the pure core, bundled and run by scripts/bench.mjs.
import { loadConfig } from '../src/config/load';
import { renderFiles } from '../src/ipxe/render';
import { parseUci } from '../src/uci';

export function configWith(hosts: number): string {
  const head = `config netboot 'main'
	option iscsi_server '192.168.1.10'
	option base_iqn 'iqn.2000-01.com.synology'
	option installer_url 'http://192.168.1.10/install/'
	option menu_timeout '5'
	option menu_default 't0'
`;
  const targets = Array.from({ length: 20 }, (_, i) => `\nconfig target 't${i}'\n\toption title 'Target ${i}'\n\toption iqn_suffix 'disk${i}'\n`).join('');
  const inst = `\nconfig installer 'deb'\n\toption kind 'debian-installer'\n\toption path 'debian/{arch}'\n`;
  const hostText = Array.from(
    { length: hosts },
    (_, i) => `\nconfig host 'h${i}'\n\toption mac '02:00:00:${((i >> 16) & 255).toString(16).padStart(2, '0')}:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}'\n\toption target 't${i % 20}'\n\toption action 'boot'\n`,
  ).join('');
  return head + targets + inst + hostText;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Median milliseconds of `runs` calls after one warm-up; performance.now() is in node and in qjs --std. */
export function time(fn: () => void, runs: number): number {
  fn();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    fn();
    t.push(performance.now() - s);
  }
  return median(t);
}

/** parse + validate + render: what every command does before it looks at the disk. Returns the file count. */
export function renderText(text: string): number {
  const r = loadConfig(parseUci(text, 'netboot'));
  return renderFiles(r.model!).size;
}

export function benchRender(): { hosts: number; parseMs: number; fullMs: number; files: number }[] {
  return [10, 100, 1000, 10000].map((hosts) => {
    const text = configWith(hosts);
    const runs = hosts >= 10000 ? 7 : 21;
    let files = 0;
    const parseMs = time(() => parseUci(text, 'netboot'), runs);
    const fullMs = time(() => {
      files = renderText(text);
    }, runs);
    return { hosts, parseMs, fullMs, files };
  });
}
