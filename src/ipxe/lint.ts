// Re-reads a generated script the way iPXE does (exec.c split_command,
// script.c labels) and reports what would go wrong at boot: a goto or menu
// item without its label, a command that can fail on a line with no `||`
// (iPXE ends the whole script on a failing line), an unclosed `${`, text after
// a label, a SAN command without its drive number. Tests run it over everything
// netboot renders.

export interface Command {
  line: number;
  words: string[];
}

export interface ParsedScript {
  labels: Set<string>;
  commands: Command[];
  problems: string[];
}

/** Commands that can return failure; anything else here always succeeds. */
const FALLIBLE = new Set([
  'chain', 'kernel', 'initrd', 'imgfetch', 'imgexec', 'imgselect', 'imgfree', 'boot', 'sanboot', 'sanhook', 'sanunhook',
  'choose', 'iseq', 'isset', 'cpuid', 'prompt', 'shell', 'reboot', 'dhcp', 'ifconf', 'ifopen', 'read', 'sleep',
]);
const SEPARATORS = new Set(['||', '&&', ';']);
/**
 * Without --drive these act on the `san-drive` setting's drive (0x80 unless DHCP
 * says otherwise; ipxe v1.21.1 src/core/sanboot.c san_default_drive), and the
 * release path could miss what was hooked.
 */
const SAN = new Set(['sanhook', 'sanboot', 'sanunhook']);

/** Joins `\`-continued lines exactly as iPXE does: no space is inserted. */
function logicalLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  const raw = text.split('\n');
  for (let i = 0; i < raw.length; i++) {
    const start = i + 1;
    let l = raw[i].replace(/\r$/, '');
    while (l.endsWith('\\') && i + 1 < raw.length) l = l.slice(0, -1) + raw[++i].replace(/\r$/, '');
    out.push({ line: start, text: l });
  }
  return out;
}

export function parseScript(text: string): ParsedScript {
  const labels = new Set<string>();
  const commands: Command[] = [];
  const problems: string[] = [];
  if (!/^#!ipxe\s/.test(text)) problems.push('line 1: the script must start with "#!ipxe"');

  for (const { line, text: l } of logicalLines(text).slice(1)) {
    const trimmed = l.replace(/^\s+/, '');
    if (trimmed.startsWith(':')) {
      const [label, ...rest] = trimmed.slice(1).split(/\s+/);
      labels.add(label);
      if (rest.some((w) => w !== '')) problems.push(`line ${line}: text after label ":${label}" would be executed`);
      continue;
    }
    let words = trimmed.split(/\s+/).filter((w) => w !== '');
    const comment = words.findIndex((w) => w.startsWith('#'));
    if (comment >= 0) words = words.slice(0, comment);
    if (!words.length) continue;

    let current: string[] = [];
    const pieces: { words: string[]; next?: string }[] = [];
    for (const w of words) {
      if (SEPARATORS.has(w)) {
        pieces.push({ words: current, next: w });
        current = [];
      } else current.push(w);
    }
    pieces.push({ words: current });

    pieces.forEach((p, i) => {
      if (!p.words.length) return;
      for (const w of p.words) {
        if (w.split('${').length - 1 > w.split('}').length - 1) problems.push(`line ${line}: unclosed "\${" in "${w}"`);
      }
      commands.push({ line, words: p.words });
      if (SAN.has(p.words[0]) && !p.words.includes('--drive')) {
        problems.push(`line ${line}: "${p.words[0]}" names no --drive, so it acts on whichever drive the san-drive setting says`);
      }
      if (FALLIBLE.has(p.words[0]) && !pieces.slice(i).some((q) => q.next === '||')) {
        problems.push(`line ${line}: "${p.words[0]}" can fail and nothing on the line catches it; iPXE would end the script`);
      }
    });
  }

  // Every goto must land, and every menu item must name a label (items are jumped to with goto ${selected}).
  const exists = (target: string) => {
    if (!target.includes('${')) return labels.has(target);
    const prefix = target.slice(0, target.indexOf('${'));
    return prefix === '' || [...labels].some((l) => l.startsWith(prefix));
  };
  for (const c of commands) {
    if (c.words[0] === 'goto' && c.words[1] && !exists(c.words[1])) problems.push(`line ${c.line}: goto ${c.words[1]}: no such label`);
    if (c.words[0] === 'item') {
      const args = c.words.slice(1);
      if (args.includes('--gap')) continue;
      const nameAt = args.findIndex((w, i) => !w.startsWith('--') && !(i > 0 && args[i - 1] === '--key'));
      const item = args[nameAt];
      if (item && !exists(item)) problems.push(`line ${c.line}: menu item ${item} has no label to go to`);
    }
  }
  return { labels, commands, problems };
}
