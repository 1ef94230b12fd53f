// Reads luci-app/ the way LuCI's own tools do: the class loader's view of a
// JS file (body of a function, 'require' header), the i18n scanner's view of
// translatable text (_() and N_() in JS, titles and descriptions in menu.d
// and acl.d JSON), and gettext .po files.

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

export const APP = join(__dirname, '../luci-app');
export const HTDOCS = join(APP, 'htdocs');
export const RESOURCES = join(HTDOCS, 'luci-static/resources');
export const ACL_FILE = join(APP, 'root/usr/share/rpcd/acl.d/luci-app-netboot.json');
export const MENU_FILE = join(APP, 'root/usr/share/luci/menu.d/luci-app-netboot.json');
export const POT_FILE = join(APP, 'po/templates/netboot.pot');
export const ZH_PO_FILE = join(APP, 'po/zh_Hans/netboot.po');

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

/** Every class file of the app, as paths relative to luci-app/. */
export const jsFiles = (): string[] => walk(HTDOCS).filter((f) => f.endsWith('.js')).map((f) => relative(APP, f)).sort();

/** A class file's name for L.require: view/netboot/status.js → view.netboot.status. */
export const className = (file: string): string => relative(RESOURCES, join(APP, file)).replace(/\.js$/, '').replaceAll('/', '.');

/** The leading 'require x [as y]' strings, which LuCI's loader turns into arguments. */
export function requires(source: string): { name: string; as: string }[] {
  const out: { name: string; as: string }[] = [];
  for (const m of source.matchAll(/^'require ([\w.]+)(?: as (\w+))?';$/gm)) out.push({ name: m[1]!, as: m[2] ?? m[1]!.replace(/[^a-zA-Z0-9_]/g, '_') });
  return out;
}

/**
 * Compiles a class file as LuCI's loader does: the source is the body of a
 * function taking window, document, L and one argument per require.
 * Throws a SyntaxError as the browser would.
 */
export function compileLikeLuci(source: string): void {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  new Function('window', 'document', 'L', ...requires(source).map((r) => r.as), source);
}

const sourceFile = (file: string) => ts.createSourceFile(file, readFileSync(join(APP, file), 'utf8'), ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);

function visit(node: ts.Node, fn: (n: ts.Node) => void): void {
  fn(node);
  node.forEachChild((c) => visit(c, fn));
}

const literal = (n: ts.Node | undefined): string | undefined => (n && (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) ? n.text : undefined);

export interface Translatable {
  msgid: string;
  file: string;
  line: number;
}

/** _('…') and N_(n, '…', '…') with literal arguments, as LuCI's i18n-scan.pl finds them. */
export function jsTranslatables(file: string): Translatable[] {
  const sf = sourceFile(file);
  const out: Translatable[] = [];
  visit(sf, (n) => {
    if (!ts.isCallExpression(n) || !ts.isIdentifier(n.expression)) return;
    const at = (arg: ts.Node) => ({ file, line: sf.getLineAndCharacterOfPosition(arg.getStart()).line + 1 });
    if (n.expression.text === '_' && literal(n.arguments[0]) !== undefined) out.push({ msgid: literal(n.arguments[0])!, ...at(n.arguments[0]!) });
    if (n.expression.text === 'N_') {
      for (const arg of n.arguments.slice(1, 3)) if (literal(arg) !== undefined) out.push({ msgid: literal(arg)!, ...at(arg) });
    }
  });
  return out;
}

/** Calls of _() whose text the scanner cannot see (a variable, a template with ${}): never translated. */
export function untranslatableCalls(file: string): string[] {
  const sf = sourceFile(file);
  const out: string[] = [];
  visit(sf, (n) => {
    if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === '_' && literal(n.arguments[0]) === undefined) {
      out.push(`${file}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}: ${n.getText()}`);
    }
  });
  return out;
}

export interface RpcDeclaration {
  object: string;
  method: string;
  file: string;
}

/** rpc.declare({ object: '…', method: '…' }) calls; non-literal names are reported as '?'. */
export function rpcDeclarations(file: string): RpcDeclaration[] {
  const out: RpcDeclaration[] = [];
  visit(sourceFile(file), (n) => {
    if (!ts.isCallExpression(n) || n.expression.getText() !== 'rpc.declare') return;
    const spec = n.arguments[0];
    const prop = (name: string) =>
      spec && ts.isObjectLiteralExpression(spec)
        ? literal(spec.properties.find((p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && p.name.getText().replace(/'/g, '') === name)?.initializer)
        : undefined;
    out.push({ object: prop('object') ?? '?', method: prop('method') ?? '?', file });
  });
  return out;
}

/** menu.d titles and acl.d descriptions, which i18n-scan.pl also extracts. */
export function jsonTranslatables(): Translatable[] {
  const out: Translatable[] = [];
  for (const path of [MENU_FILE, ACL_FILE]) {
    const text = readFileSync(path, 'utf8');
    text.split('\n').forEach((line, i) => {
      for (const m of line.matchAll(/"(?:title|description)"\s*:\s*"((?:[^"\\]|\\.)*)"/g)) {
        out.push({ msgid: JSON.parse(`"${m[1]}"`) as string, file: relative(APP, path), line: i + 1 });
      }
    });
  }
  return out;
}

export const allTranslatables = (): Translatable[] => [...jsFiles().flatMap(jsTranslatables), ...jsonTranslatables()];

export interface PoEntry {
  msgid: string;
  msgstr: string;
  references: string[];
  flags: string[];
}

function unquote(s: string): string {
  return s.replace(/\\(["\\nt])/g, (_, c: string) => ({ n: '\n', t: '\t' })[c] ?? c);
}

/** A gettext .po/.pot file; the header entry (msgid "") is left out. */
export function parsePo(text: string): PoEntry[] {
  const entries: PoEntry[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    const e: PoEntry = { msgid: '', msgstr: '', references: [], flags: [] };
    let field: 'msgid' | 'msgstr' | undefined;
    let seen = false;
    for (const line of block.split('\n')) {
      if (line.startsWith('#:')) e.references.push(...line.slice(2).trim().split(/\s+/));
      else if (line.startsWith('#,')) e.flags.push(...line.slice(2).split(',').map((f) => f.trim()));
      else if (/^msgid "/.test(line)) [field, seen] = ['msgid', true];
      else if (/^msgstr "/.test(line)) field = 'msgstr';
      const q = /"(.*)"\s*$/.exec(line);
      if (field && q && !line.startsWith('#')) e[field] += unquote(q[1]!);
    }
    if (seen && e.msgid !== '') entries.push(e);
  }
  return entries;
}
