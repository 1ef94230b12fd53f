// luci-app-netboot in a real browser (headless Chromium) on LuCI's own
// JavaScript runtime, talking to OpenWrt's real ubusd and rpcd.
//
// What is real: LuCI's client runtime and theme, unmodified, from LUCI_ROOT (a
// checkout of openwrt/luci: luci.js, cbi.js, ui.js, form.js, rpc.js, uci.js,
// the bootstrap theme); ubusd and rpcd from OWRT_PREFIX, with rpcd's session
// login, its ACL checks (this app's acl.d file plus luci-base's) and its uci
// object reading and saving the router's /etc/config; and netboot's rpcd exec
// plugin (the package's /usr/libexec/rpcd/netboot running the bundle) in that
// rpcd's plugin folder, on the router folder (a copy of example/router), which
// answers every call of the Status page: status,
// validate, plan, apply (editing the copy's /etc/config/dhcp: with --root
// there is no dnsmasq to reload), check (its real probes, whatever the
// network answers), preview, and clients, whose boot journeys come from
// DHCP and TFTP events sent as dnsmasq reports them, through OpenWrt's
// dhcp-script.sh (transcribed) and netboot's dnsmasq script, with the real
// jshn, into the spool the plugin folds.
//
// What this test serves itself, standing in for pieces that need ucode or a
// router: the HTML page around a view and the menu JSON (LuCI's ucode
// dispatcher does that on a router), the translation table (po2lmo + the
// dispatcher), the /ubus/ JSON-RPC endpoint (uhttpd-mod-ubus: same session
// check, then the call, here through src/ubus), and luci-rpc getDHCPLeases
// (rpcd-mod-luci, a C plugin needing libnl and iwinfo) with fixed leases,
// the same PCs whose boots those scripts report; and the dispatcher's
// admin/uci/apply_rollback and confirm, which Save & Apply posts to (LuCI's
// ucode controller, here calling the same rpcd methods).
//
// LUCI_ROOT, OWRT_PREFIX and a Chromium (CHROMIUM, default /usr/bin/chromium)
// are needed, else the suite is skipped. UPDATE_SCREENSHOTS=1 writes the
// pages' PNGs into docs/screenshots/.

import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { once } from 'node:events';
import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BlobmsgInputTable, UbusClient, UbusError } from '../src/ubus';
import { ACL_FILE, HTDOCS, MENU_FILE, parsePo, ZH_PO_FILE } from './luci-source';
import { dnsmasqScript, startUserland, until, type Userland } from './helpers/owrt';
import { makeRoot, netboot } from './helpers/bundle';
import { withOption } from './helpers/config';

const LUCI = process.env.LUCI_ROOT;
const PREFIX = process.env.OWRT_PREFIX;
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const REPO = join(__dirname, '..');
const BUNDLE = join(REPO, 'dist/netboot.js');
const SHOTS = join(REPO, 'docs/screenshots');

const missing = [
  !LUCI && 'LUCI_ROOT (a checkout of openwrt/luci)',
  !PREFIX && 'OWRT_PREFIX (ubusd, rpcd and ubus built from OpenWrt sources)',
  !existsSync(CHROMIUM) && `Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM)`,
].filter(Boolean);
const suite = missing.length ? describe.skip : describe;
const title = missing.length
  ? `luci-app-netboot in Chromium: skipped, needs ${missing.join(', ')}`
  : `luci-app-netboot in Chromium on LuCI from ${LUCI} and OpenWrt userland in ${PREFIX}`;

const PAGES = ['settings', 'targets', 'installers', 'hosts', 'status'] as const;
const LOGIN = { username: 'luci-test', password: 'netboot-ui' };
// `openssl passwd -1 -salt netboot netboot-ui`: rpcd checks login passwords with crypt(3).
const LOGIN_HASH = '$1$netboot$fI0KkjWUGQMGJUeFSJZg/.';

// As rpcd-mod-luci reports them: upper-case MACs, seconds left.
const LEASES = [
  { expires: 40211, hostname: 'desk', macaddr: '52:54:00:12:34:56', ipaddr: '192.168.1.101' },
  { expires: 39020, hostname: 'lab-pc', macaddr: '52:54:00:9A:0B:1C', ipaddr: '192.168.1.142' },
];

// How each PC boots, as dnsmasq reports it: desk, a host netboot knows,
// boots its disk with no keypress; lab-pc, unknown, gets the menu and starts
// an installer. The first file is the PXE firmware's bootloader, the rest are
// fetched by iPXE. `shown` is the journey row the Status page must show.
const BOOTS = [
  {
    lease: LEASES[0]!, vendorclass: 'PXEClient:Arch:00000:UNDI:002001', tags: 'lan',
    files: ['undionly.kpxe', 'netboot/menu.ipxe', 'netboot/boot.ipxe.cfg', 'netboot/hosts/52-54-00-12-34-56.ipxe', 'netboot/beacon/boot/ubuntu1.ipxe'],
    shown: { firmware: 'bios iPXE', choice: 'boot ubuntu1' },
  },
  {
    lease: LEASES[1]!, vendorclass: 'PXEClient:Arch:00007:UNDI:003016', tags: 'lan netboot_efi64',
    files: ['snponly.efi', 'netboot/menu.ipxe', 'netboot/boot.ipxe.cfg', 'netboot/beacon/install/ubuntu1/ubuntu1804.ipxe'],
    shown: { firmware: 'efi64 iPXE', choice: 'install ubuntu1804 onto ubuntu1' },
  },
];

const NO_DNSMASQ = 'nothing was changed: dhcp: no "config dnsmasq" section in /etc/config/dhcp: netboot needs dnsmasq as the DHCP and TFTP server';
const NETWORK = ['lan', 'guest'].map((n, i) => `config interface '${n}'\n\toption proto 'static'\n\toption ipaddr '192.168.${i + 1}.1'\n\toption netmask '255.255.255.0'\n`).join('\n');
/** The example's dhcp file without its `config dnsmasq` section, which netboot refuses to apply to. */
const withoutDnsmasq = (dhcp: string) => dhcp.replace(/^config dnsmasq\n(\t.*\n)*\n/m, '');

// ---- Chromium over the DevTools protocol (--remote-debugging-pipe) ----

class Browser {
  private seq = 0;
  private buffer = '';
  private readonly waiting = new Map<number, { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void }>();
  readonly errors: string[] = [];

  constructor(private readonly proc: ChildProcess) {
    const out = proc.stdio[4] as NodeJS.ReadableStream;
    out.setEncoding('utf8');
    out.on('data', (chunk: string) => {
      this.buffer += chunk;
      let end;
      while ((end = this.buffer.indexOf('\0')) >= 0) {
        this.receive(JSON.parse(this.buffer.slice(0, end)) as Record<string, any>);
        this.buffer = this.buffer.slice(end + 1);
      }
    });
  }

  private receive(msg: Record<string, any>): void {
    const w = this.waiting.get(msg.id);
    if (w) {
      this.waiting.delete(msg.id);
      if (msg.error) w.reject(new Error(`${msg.error.message}: ${JSON.stringify(msg.error.data ?? '')}`));
      else w.resolve(msg.result);
    } else if (msg.method === 'Runtime.exceptionThrown') {
      this.errors.push(msg.params.exceptionDetails.exception?.description ?? msg.params.exceptionDetails.text);
    } else if (msg.method === 'Runtime.consoleAPICalled' && msg.params.type === 'error') {
      this.errors.push(msg.params.args.map((a: { value?: unknown; description?: string }) => a.value ?? a.description).join(' '));
    }
  }

  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, any>> {
    const id = ++this.seq;
    (this.proc.stdio[3] as NodeJS.WritableStream).write(`${JSON.stringify({ id, method, params, sessionId })}\0`);
    return new Promise((resolve, reject) => this.waiting.set(id, { resolve, reject }));
  }

  async page(): Promise<Page> {
    const { targetId } = await this.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await this.send('Target.attachToTarget', { targetId, flatten: true });
    const page = new Page(this, sessionId as string);
    await page.send('Runtime.enable');
    await page.send('Page.enable');
    await page.send('Emulation.setDeviceMetricsOverride', { width: 1280, height: 900, deviceScaleFactor: 1, mobile: false });
    return page;
  }
}

class Page {
  constructor(private readonly browser: Browser, private readonly sessionId: string) {}

  send(method: string, params: Record<string, unknown> = {}) {
    return this.browser.send(method, params, this.sessionId);
  }

  async eval<T>(expression: string): Promise<T> {
    const r = await this.send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true });
    if (r.exceptionDetails) throw new Error(`${expression}: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
    return r.result.value as T;
  }

  async until(what: string, expression: string, ms = 15_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await this.eval<boolean>(expression))) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; browser errors: ${this.browser.errors.join(' | ') || 'none'}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async open(url: string, ready: string): Promise<void> {
    await this.send('Page.navigate', { url });
    await this.until(`${url} to render`, `document.readyState == 'complete' && !document.querySelector('#view .spinning') && !!document.querySelector(${JSON.stringify(ready)})`);
  }

  /** Replaces a field's text as typing would, then presses `key` (LuCI validates on keyup and blur). */
  async type(selector: string, value: string, key = 'Tab'): Promise<void> {
    await this.eval(`(() => { const el = document.querySelector(${JSON.stringify(selector)}); el.focus(); el.select(); })()`);
    await this.send('Input.insertText', { text: value });
    const code = { Tab: 9, Enter: 13 }[key];
    for (const type of ['keyDown', 'keyUp']) await this.send('Input.dispatchKeyEvent', { type, key, code: key, windowsVirtualKeyCode: code, nativeVirtualKeyCode: code });
  }

  click(selector: string): Promise<void> {
    return this.eval(`document.querySelector(${JSON.stringify(selector)}).click()`);
  }

  text(selector: string): Promise<string> {
    return this.eval(`(document.querySelector(${JSON.stringify(selector)}) || {}).textContent || ''`);
  }

  /** The whole page, not just the viewport: the viewport grows to the page, so the fixed header stays on top. */
  async screenshot(): Promise<Buffer> {
    const { cssContentSize } = await this.send('Page.getLayoutMetrics');
    const height = Math.ceil(cssContentSize.height);
    await this.send('Emulation.setDeviceMetricsOverride', { width: 1280, height, deviceScaleFactor: 1, mobile: false });
    const { data } = await this.send('Page.captureScreenshot', { format: 'png' });
    await this.send('Emulation.setDeviceMetricsOverride', { width: 1280, height: 900, deviceScaleFactor: 1, mobile: false });
    return Buffer.from(data as string, 'base64');
  }
}

// ---- the router side ----

/** The first file of `rel` found under the htdocs folders, app first. */
function staticFile(roots: string[], rel: string): string | undefined {
  for (const root of roots) {
    const path = normalize(join(root, rel));
    if (path.startsWith(root) && existsSync(path) && !path.endsWith('/')) return path;
  }
  return undefined;
}

const TYPES: Record<string, string> = { '.js': 'application/javascript', '.css': 'text/css', '.png': 'image/png', '.svg': 'image/svg+xml', '.json': 'application/json' };

suite(title, () => {
  let dir: string;
  let router: string;
  let dhcpFile: string;
  let exampleDhcp: string;
  let sid: string;
  let server: Server;
  let base: string;
  let land: Userland;
  let bus: UbusClient;
  let chrome: ChildProcess;
  let browser: Browser;
  let page: Page;
  // netboot's last reply to each method the page called, to hold the page to.
  const replies = new Map<string, Record<string, unknown>>();
  // A checked apply waiting for its confirmation; luci-base keeps it in rpcd's session 0.
  let rollback: { token: string; session: string } | undefined;

  /** The menu tree LuCI's dispatcher would send for this session: Services → Network Boot. */
  function menuJson() {
    const nodes = JSON.parse(readFileSync(MENU_FILE, 'utf8')) as Record<string, Record<string, unknown>>;
    const root = { satisfied: true, children: {} as Record<string, any> };
    const node = (path: string[]) =>
      path.reduce((n, part) => (n.children[part] ??= { satisfied: true, children: {} }), root as { children: Record<string, any> });
    Object.assign(node(['admin']), { title: 'Administration', action: { type: 'firstchild' } });
    Object.assign(node(['admin', 'services']), { title: 'Services', order: 40, action: { type: 'firstchild' } });
    for (const [path, spec] of Object.entries(nodes)) Object.assign(node(path.split('/')), spec, { satisfied: true, readonly: false });
    return root;
  }

  /** window.TR keyed by LuCI's own sfh() (cbi.js, loaded first), from the app's .po. */
  function translations(lang: string): string {
    const pairs = lang === 'zh_Hans' ? parsePo(readFileSync(ZH_PO_FILE, 'utf8')).map((e) => [e.msgid, e.msgstr]) : [];
    return `window.TR = {}; for (const [k, v] of ${JSON.stringify(pairs)}) TR[sfh(k.trim().replace(/[ \\t\\n]+/g, ' '))] = v;`;
  }

  function shell(view: string, lang: string): string {
    const path = ['admin', 'services', 'netboot', view];
    const env = {
      media: '/luci-static/bootstrap', resource: '/luci-static/resources', scriptname: '/cgi-bin/luci', pathinfo: `/${path.join('/')}`,
      documentroot: '/www', requestpath: path, dispatchpath: path, pollinterval: 5, ubuspath: '/ubus/', sessionid: sid, token: 'test',
      nodespec: { satisfied: true, readonly: false, action: { type: 'view', path: `netboot/${view}` } },
      apply_rollback: 90, apply_holdoff: 4, apply_timeout: 5, apply_display: 1.5, rollback_token: null,
    };
    return `<!DOCTYPE html>
<html lang="${lang}" data-darkmode="false"><head><meta charset="utf-8"><title>OpenWrt | Network Boot</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/luci-static/bootstrap/cascade.css">
<script src="/luci-static/resources/cbi.js"></script>
<script src="/cgi-bin/luci/admin/translations/${lang}"></script>
<script src="/luci-static/resources/luci.js"></script>
<script>L = new LuCI(${JSON.stringify(env)});</script>
</head><body class="lang_${lang}" data-page="${path.join('-')}">
<header><a class="brand" href="/">OpenWrt</a><ul class="nav" id="topmenu" style="display:none"></ul><div id="indicators" class="pull-right"></div></header>
<div id="maincontent" class="container"><div id="tabmenu" style="display:none"></div>
<div id="view"><div class="spinning">Loading view…</div>
<script>L.require('ui').then(function(ui) { ui.instantiateView('netboot/${view}'); });</script></div></div>
<footer><span>luci-app-netboot test page</span><ul class="breadcrumb pull-right" id="modemenu" style="display:none"></ul></footer>
<script>L.require('menu-bootstrap')</script>
</body></html>`;
  }

  /** One JSON-RPC request, checked and forwarded as uhttpd-mod-ubus does. */
  async function ubusRequest(req: { jsonrpc?: string; id?: unknown; method?: string; params?: unknown[] }): Promise<object> {
    const reply = (result: unknown) => ({ jsonrpc: '2.0', id: req.id, result });
    const error = (code: number, message: string) => ({ jsonrpc: '2.0', id: req.id ?? null, error: { code, message } });
    if (req.jsonrpc !== '2.0' || typeof req.method !== 'string' || req.id == null) return error(-32600, 'Invalid request');
    if (req.method === 'list') return reply(execFileSync(join(PREFIX!, 'bin/ubus'), ['-s', land.socket, 'list'], { encoding: 'utf8' }).split('\n').filter(Boolean));
    if (req.method !== 'call' || !Array.isArray(req.params) || req.params.length < 3) return error(-32600, 'Invalid parameters');
    const [session, object, method, args = {}] = req.params as [string, string, string, BlobmsgInputTable?];
    const access = await bus.call('session', 'access', { ubus_rpc_session: session, scope: 'ubus', object, function: method });
    if (access.access !== true) { if (process.env.DEBUG_UBUS) console.log('denied', object, method); return error(-32002, 'Access denied'); }
    try {
      const result = await bus.call(object, method, { ...args, ubus_rpc_session: session });
      if (object === 'netboot') replies.set(method, result);
      return reply([0, result]);
    } catch (e) {
      if (process.env.DEBUG_UBUS) console.log('ubus', object, method, JSON.stringify(args), String(e));
      if (e instanceof UbusError) return reply([e.code]);
      throw e;
    }
  }

  /**
   * Save & Apply, as luci-base's dispatcher does it (systemcrash/luci
   * daf2e0bc2b, modules/luci-base/ucode/controller/admin/uci.uc): a checked
   * apply is rpcd's `uci apply` with rollback, which commits the session's
   * changes, and the page then confirms it with the token it got back.
   * Returns the HTTP status and body, with ubus errors mapped as there.
   */
  async function uciAction(action: string, query: URLSearchParams): Promise<[number, string]> {
    const HTTP = [200, 400, 400, 404, 404, 204, 403, 504, 500, 500, 503, 500, 400, 500];
    try {
      if (action === 'apply_rollback') {
        const session = query.get('sid') ?? '';
        await bus.call('uci', 'apply', { ubus_rpc_session: session, timeout: 90, rollback: true });
        rollback = { token: randomBytes(16).toString('hex'), session };
        return [200, JSON.stringify({ token: rollback.token })];
      }
      if (!rollback) return [204, ''];
      if (query.get('token') !== rollback.token) return [403, 'Permission denied'];
      await bus.call('uci', 'confirm', { ubus_rpc_session: rollback.session });
      rollback = undefined;
      return [200, 'OK'];
    } catch (e) {
      if (!(e instanceof UbusError)) throw e;
      return [HTTP[e.code] ?? 500, String(e)];
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', base);
    const send = (status: number, type: string, body: string | Buffer) => {
      res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      res.end(body);
    };
    let m;
    if (req.method === 'POST' && url.pathname === '/ubus/') {
      let body = '';
      for await (const chunk of req) body += chunk;
      const msg = JSON.parse(body) as object | object[];
      return send(200, 'application/json', JSON.stringify(Array.isArray(msg) ? await Promise.all(msg.map(ubusRequest)) : await ubusRequest(msg)));
    }
    if (req.method === 'POST' && (m = /^\/cgi-bin\/luci\/admin\/uci\/(apply_rollback|confirm)$/.exec(url.pathname))) {
      const [status, body] = await uciAction(m[1]!, url.searchParams);
      return send(status, status === 200 && m[1] === 'apply_rollback' ? 'application/json' : 'text/plain', body);
    }
    if (url.pathname === '/cgi-bin/luci/admin/menu') return send(200, 'application/json', JSON.stringify(menuJson()));
    if ((m = /^\/cgi-bin\/luci\/admin\/translations\/(\w+)$/.exec(url.pathname))) return send(200, 'application/javascript', translations(m[1]!));
    if ((m = /^\/cgi-bin\/luci\/admin\/services\/netboot\/(\w+)$/.exec(url.pathname))) return send(200, 'text/html; charset=UTF-8', shell(m[1]!, url.searchParams.get('lang') ?? 'en'));
    const file = staticFile([HTDOCS, join(LUCI!, 'modules/luci-base/htdocs'), join(LUCI!, 'themes/luci-theme-bootstrap/htdocs')], url.pathname);
    if (file) return send(200, TYPES[extname(file)] ?? 'application/octet-stream', readFileSync(file));
    send(404, 'text/plain', 'not found');
  }

  /** One PC's boot, event by event, as dnsmasq reports it to OpenWrt's dhcp-script.sh. */
  function boot(send: ReturnType<typeof dnsmasqScript>, pc: (typeof BOOTS)[number]) {
    const { macaddr, ipaddr, hostname } = pc.lease;
    const lease = [macaddr, ipaddr, hostname];
    const tftp = (path: string) => send(['tftp', '1000', ipaddr, `/srv/tftp/${path}`]);
    const [loader, ...scripts] = pc.files;
    send(['add', ...lease], { DNSMASQ_VENDOR_CLASS: pc.vendorclass, DNSMASQ_TAGS: pc.tags });
    tftp(loader!);
    send(['old', ...lease], { DNSMASQ_VENDOR_CLASS: pc.vendorclass, DNSMASQ_USER_CLASS0: 'iPXE', DNSMASQ_TAGS: `${pc.tags} netboot_ipxe` });
    scripts.forEach(tftp);
  }

  beforeAll(async () => {
    expect(existsSync(BUNDLE), 'dist/netboot.js: run npm run build first').toBe(true);
    dir = mkdtempSync(join(tmpdir(), 'netboot-luci-'));

    // The router: the example config, plus rpcd's login for the test user,
    // who gets luci-base's groups and this app's, and nothing else.
    router = join(dir, 'router');
    cpSync(join(REPO, 'example/router'), router, { recursive: true });
    const config = join(router, 'etc/config');
    // The init script applies at start (boot, install). Without dnsmasq's
    // section that apply fails and leaves the dhcp changes for the page to apply.
    dhcpFile = join(config, 'dhcp');
    exampleDhcp = readFileSync(dhcpFile, 'utf8');
    writeFileSync(dhcpFile, withoutDnsmasq(exampleDhcp));
    writeFileSync(join(config, 'rpcd'), [
      'config rpcd', "\toption socket '/var/run/ubus/ubus.sock'", "\toption timeout '30'", '',
      'config login', `\toption username '${LOGIN.username}'`, `\toption password '${LOGIN_HASH}'`,
      ...['unauthenticated', 'luci-base', 'luci-app-netboot'].flatMap((g) => [`\tlist read '${g}'`, `\tlist write '${g}'`]), '',
    ].join('\n'));
    cpSync(join(LUCI!, 'modules/luci-base/root/etc/config/luci'), join(config, 'luci'));
    // Its networks, which Settings offers to serve (OpenWrt's default lan, and a guest network).
    writeFileSync(join(config, 'network'), NETWORK);

    const acls = join(dir, 'acl.d');
    mkdirSync(acls);
    cpSync(ACL_FILE, join(acls, 'luci-app-netboot.json'));
    cpSync(join(LUCI!, 'modules/luci-base/root/usr/share/rpcd/acl.d/luci-base.json'), join(acls, 'luci-base.json'));
    // What OpenWrt's rpcd package installs: anyone may ask and log in.
    writeFileSync(join(acls, 'unauthenticated.json'), JSON.stringify({ unauthenticated: { description: 'Access controls for unauthenticated requests', read: { ubus: { session: ['access', 'login'] } } } }));

    const started = netboot(['--root', router, 'apply']);
    expect(started.status).toBe(1);
    land = await startUserland(config, { acls, netbootRoot: router });
    bus = await UbusClient.connect({ path: land.socket, timeoutMs: 30_000 });
    const login = await bus.call('session', 'login', LOGIN);
    sid = login.ubus_rpc_session as string;

    await bus.addObject('luci-rpc', {
      getDHCPLeases: { signature: { family: 'int32' }, handler: () => ({ dhcp_leases: LEASES, dhcp6_leases: [] }) },
    });
    const send = dnsmasqScript(dir, router);
    for (const pc of BOOTS) boot(send, pc);

    server = createServer((req, res) => {
      handle(req, res).catch((e: Error) => {
        res.writeHead(500);
        res.end(e.stack);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    chrome = spawn(
      CHROMIUM,
      ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
        '--hide-scrollbars', `--user-data-dir=${join(dir, 'chromium')}`, '--remote-debugging-pipe', 'about:blank'],
      { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] },
    );
    browser = new Browser(chrome);
    page = await browser.page();
    if (process.env.UPDATE_SCREENSHOTS) mkdirSync(SHOTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    server?.close();
    bus?.close();
    await browser?.send('Browser.close').catch(() => undefined);
    if (chrome && chrome.exitCode === null && chrome.signalCode === null) await (chrome.kill(), once(chrome, 'exit'));
    land?.stop();
    // Chromium's helper processes may still write to its profile after it exits.
    if (dir) await until('the test folder to go', async () => (rmSync(dir, { recursive: true, force: true }), true), 10_000);
  });

  const url = (view: string, lang = 'en') => `${base}/cgi-bin/luci/admin/services/netboot/${view}?lang=${lang}`;
  const READY: Record<(typeof PAGES)[number], string> = {
    settings: '.cbi-map .cbi-section',
    targets: '#cbi-netboot-target .cbi-section-table-row',
    installers: '#cbi-netboot-installer .cbi-section-table-row',
    hosts: '#cbi-netboot-host .cbi-section-table-row',
    status: '#netboot-report #netboot-plan-files',
  };
  const save = async (name: string) => {
    if (process.env.UPDATE_SCREENSHOTS) writeFileSync(join(SHOTS, `${name}.png`), await page.screenshot());
  };

  it.each(PAGES)('%s renders from the router’s config with no browser errors', async (view) => {
    browser.errors.length = 0;
    await page.open(url(view), READY[view]);
    await page.until('the menu', "!!document.querySelector('#topmenu a[href$=\"/admin/services/netboot\"], #tabmenu a')");
    expect(await page.eval<number>("document.querySelectorAll('.alert-message.error, .alert-message.danger').length")).toBe(0);
    expect(browser.errors).toEqual([]);
    if (view !== 'status') await save(view);
  });

  it('settings: a bad value shows netboot’s wording; Save stores the good one through rpcd', async () => {
    await page.open(url('settings'), READY.settings);
    await page.type('#widget\\.cbid\\.netboot\\.main\\.menu_timeout', '99999');
    expect(await page.eval<string>("document.getElementById('widget.cbid.netboot.main.menu_timeout').getAttribute('data-tooltip')")).toBe(
      'Use seconds (0 waits for a key): a whole number from 0 to 3600',
    );
    await page.type('#widget\\.cbid\\.netboot\\.main\\.menu_timeout', '5');
    await page.click('.cbi-page-actions .cbi-button-save');
    const changes = await until('the saved change', async () => {
      const c = await bus.call('uci', 'changes', { config: 'netboot', ubus_rpc_session: sid });
      return JSON.stringify(c).includes('menu_timeout') ? c : undefined;
    });
    expect(changes.changes).toEqual([['set', 'main', 'menu_timeout', '5']]);
    await bus.call('uci', 'revert', { config: 'netboot', ubus_rpc_session: sid });
  });

  it('hosts: the MAC picker lists the router’s leases; a MAC another host has is refused in netboot’s words until a lease replaces it', async () => {
    await page.open(url('hosts'), READY.hosts);
    await page.click('#cbi-netboot-host .cbi-section-create .cbi-button-add');
    const mac = '.modal [data-name="mac"]';
    await page.until('the host dialog', `!!document.querySelector('${mac} .create-item-input')`);
    expect(await page.eval<string[]>(`[...document.querySelectorAll('${mac} li[data-value]')].map((li) => li.dataset.value)`)).toEqual(
      expect.arrayContaining(['52:54:00:12:34:56', '52:54:00:9a:0b:1c']),
    );
    const tooltip = () => page.eval<string | null>(`(document.querySelector('${mac} [data-tooltip]') || { getAttribute: () => null }).getAttribute('data-tooltip')`);
    // The picker's own text field takes a MAC the leases do not list.
    await page.click(`${mac} .open`);
    await page.type(`${mac} .create-item-input`, '52-54-00-AB-CD-EF', 'Enter');
    expect(await tooltip()).toBe('Already used by host gamer; each MAC may appear once');
    await page.click(`${mac} .open`);
    await page.click(`${mac} li[data-value="52:54:00:9a:0b:1c"]`);
    await page.until('the lease’s host name', "document.querySelector('.modal [data-name=\"hostname\"] input').value == 'lab-pc'");
    expect(await tooltip()).toBeNull();
    await save('hosts-add');
    await page.click('.modal .cbi-button-positive');
    const changes = await until('the saved host', async () => {
      const c = await bus.call('uci', 'changes', { config: 'netboot', ubus_rpc_session: sid });
      return JSON.stringify(c).includes('lab-pc') ? c : undefined;
    });
    expect(changes.changes).toEqual(expect.arrayContaining([['set', expect.any(String), 'mac', '52:54:00:9a:0b:1c'], ['set', expect.any(String), 'hostname', 'lab-pc']]));
    await bus.call('uci', 'revert', { config: 'netboot', ubus_rpc_session: sid });
  });

  /** The text of each cell of a table's rows. */
  const rows = (table: string) =>
    page.eval<string[][]>(`[...document.querySelectorAll('${table} .tr:not(.table-titles)')].map((r) => [...r.querySelectorAll('.td')].map((c) => c.textContent))`);
  const applyButton = () => page.eval<boolean>("!document.getElementById('netboot-apply').disabled");

  it('status: the start apply failed, and the page says why in netboot’s words', async () => {
    await page.open(url('status'), READY.status);
    expect(await page.text('#netboot-overview')).toContain(NO_DNSMASQ);
    expect(await page.text('#netboot-errors')).toContain('no "config dnsmasq" section in /etc/config/dhcp');
    expect(await applyButton()).toBe(false);
  });

  it('status: an apply netboot refuses shows its message; a good one edits the router’s dhcp', async () => {
    writeFileSync(dhcpFile, exampleDhcp);
    await page.open(url('status'), READY.status);
    expect(await page.text('#netboot-plan-dhcp')).toContain('dhcp.netboot_boot_ipxe');
    expect(await applyButton()).toBe(true);
    // The config changes behind the open page, so netboot refuses what the page offered.
    writeFileSync(dhcpFile, withoutDnsmasq(exampleDhcp));
    await page.click('#netboot-apply');
    await page.until('the apply notification', "!!document.querySelector('.alert-message.danger')");
    expect(await page.text('.alert-message.danger p')).toBe(NO_DNSMASQ);

    writeFileSync(dhcpFile, exampleDhcp);
    await page.open(url('status'), READY.status);
    await page.click('#netboot-apply');
    await page.until('the apply notification', "!!document.querySelector('.alert-message.info')");
    const message = await page.text('.alert-message.info p');
    expect(message).toMatch(/^applied: \d+ file change\(s\), \d+ dhcp change\(s\), dnsmasq not reloaded \(not on a router\)$/);
    expect(JSON.parse(readFileSync(join(router, 'var/run/netboot/last-apply.json'), 'utf8'))).toMatchObject({ ok: true, message });
    expect(readFileSync(dhcpFile, 'utf8')).toMatch(/^config \w+ 'netboot_boot_ipxe'$/m);
    // The page reloads the report: nothing is left to apply.
    await page.until('the report after the apply', `document.getElementById('netboot-overview').textContent.includes(${JSON.stringify(message)})`);
    expect(await applyButton()).toBe(false);
  });

  it('status: checks, boot journeys and the script preview come from netboot', async () => {
    await page.click('#netboot-check');
    // netboot's probes wait for the NAS and TFTP as long as they need.
    await page.until('the check results', "!!document.querySelector('#netboot-check-results .tr:not(.table-titles)')", 40_000);
    const check = replies.get('check') as { checks: { name: string; ok: boolean; detail: string }[] };
    expect(check.checks.length).toBeGreaterThan(0);
    // Each target has its own line (offered? login? LUN?), after its portal's.
    expect(check.checks.filter((c) => c.name.startsWith('iscsi ')).length).toBeGreaterThan(1);
    expect(await rows('#netboot-check-results')).toEqual(check.checks.map((c) => [c.name, c.ok ? 'ok' : 'failed', c.detail]));

    // Most recently seen first.
    const journeys = await rows('#netboot-clients');
    expect(journeys.map(([client, firmware, choice]) => [client, firmware, choice])).toEqual(
      BOOTS.map(({ lease, shown }) => [`${lease.macaddr.toLowerCase()}${lease.hostname} ${lease.ipaddr}`, shown.firmware, shown.choice]).reverse(),
    );

    await page.type('#netboot-preview-mac', '52:54:00:12:34:56');
    await page.click('#netboot-preview');
    await page.until('the preview', "!!document.querySelector('#netboot-preview-output pre')");
    const script = await page.text('#netboot-preview-output pre');
    expect(script.startsWith('#!ipxe')).toBe(true);
    expect(script).toBe(readFileSync(join(router, 'srv/tftp/netboot/hosts/52-54-00-12-34-56.ipxe'), 'utf8'));
    await save('status');
  }, 60_000);

  it('status: a known host’s journey links to its row on Hosts; an unknown PC’s does not', async () => {
    await page.open(url('status'), READY.status);
    const links = await page.eval<string[]>("[...document.querySelectorAll('#netboot-clients a')].map((a) => a.getAttribute('href'))");
    expect(links).toEqual(['/cgi-bin/luci/admin/services/netboot/hosts#netboot-host-52-54-00-12-34-56']);
    await page.open(`${base}${links[0]}`, READY.hosts);
    expect(await page.eval<string | null>("(document.getElementById(location.hash.slice(1)) || {}).dataset?.netbootMac ?? null")).toBe('52:54:00:12:34:56');
  });

  it('status: what a PC on the LAN sends (its hostname, the files it asks for) shows as text, never as HTML', async () => {
    // Any PC may ask TFTP for any path; the beacon's name becomes the journey's choice.
    const img = '<img src=x onerror="window.netbootInjected=1">';
    const pc = {
      lease: { expires: 3600, hostname: '<b>lab</b>', macaddr: '52:54:00:66:77:88', ipaddr: '192.168.1.150' },
      vendorclass: 'PXEClient:Arch:00000:UNDI:002001', tags: 'lan',
      files: ['undionly.kpxe', 'netboot/menu.ipxe', `netboot/beacon/boot/${img}.ipxe`],
      shown: { firmware: 'bios iPXE', choice: `boot ${img}` },
    };
    boot(dnsmasqScript(dir, router), pc);
    await page.open(url('status'), READY.status);
    const [newest] = await rows('#netboot-clients');
    expect(newest!.slice(0, 3)).toEqual([`52:54:00:66:77:88<b>lab</b> 192.168.1.150`, pc.shown.firmware, pc.shown.choice]);
    expect(await page.eval<number>("document.querySelectorAll('#netboot-report img, #netboot-report b').length")).toBe(0);
    expect(await page.eval<unknown>('window.netbootInjected')).toBeUndefined();
  });

  it('zh_Hans: the pages speak Chinese', async () => {
    await page.open(url('settings', 'zh_Hans'), READY.settings);
    const zh = new Map(parsePo(readFileSync(ZH_PO_FILE, 'utf8')).map((e) => [e.msgid, e.msgstr]));
    expect(await page.text('.cbi-map h2')).toBe(zh.get('Network Boot'));
    await save('settings.zh_Hans');
    await page.open(url('status', 'zh_Hans'), READY.status);
    expect(await page.text('#view h2')).toBe(zh.get('Network Boot status'));
    await save('status.zh_Hans');
  });

  it('rpcd enforces the ACL: this session cannot write dhcp or call what the ACL does not grant', async () => {
    const denied = await ubusRequest({ jsonrpc: '2.0', id: 1, method: 'call', params: [sid, 'file', 'exec', { command: '/bin/true' }] });
    expect(denied).toMatchObject({ error: { code: -32002 } });
    const dhcp = await ubusRequest({ jsonrpc: '2.0', id: 2, method: 'call', params: [sid, 'uci', 'set', { config: 'dhcp', section: 'lan', values: { start: '1' } }] });
    expect(dhcp).toMatchObject({ result: [6] });
    const apply = await ubusRequest({ jsonrpc: '2.0', id: 3, method: 'call', params: [sid, 'netboot', 'apply', {}] });
    expect(apply).toMatchObject({ result: [0, { ok: true, message: 'everything is already up to date; nothing was changed' }] });
  });

  /**
   * Runs `steps` with the router's lan on loopback, so the magic packet stays
   * on this machine, where a socket on port 9 stands in for the PC's card;
   * `packet` is what that socket receives.
   */
  async function onLoopbackLan(steps: (packet: Promise<Buffer>) => Promise<void>) {
    const network = join(router, 'etc/config/network');
    writeFileSync(network, "config interface 'lan'\n\toption device 'lo'\n\toption proto 'static'\n\toption ipaddr '127.0.0.1'\n\toption netmask '255.0.0.0'\n");
    const card = createSocket({ type: 'udp4', reuseAddr: true });
    try {
      await new Promise<void>((r) => card.bind(9, '0.0.0.0', r));
      await steps(once(card, 'message').then(([bytes]) => bytes as Buffer));
    } finally {
      card.close();
      rmSync(network);
    }
  }
  const WOKEN_DESK = 'sent the magic packet for desk (52:54:00:12:34:56) to 127.255.255.255 port 9 on lan (lo)';
  const DESK_PACKET = 'ff'.repeat(6) + '525400123456'.repeat(16);

  it('hosts: Wake sends the magic packet through netboot’s wake, and says where it went', async () => {
    await onLoopbackLan(async (packet) => {
      await page.open(url('hosts'), READY.hosts);
      await page.click('#cbi-netboot-host tr[data-sid="desk"] .netboot-wake');
      await page.until('the wake notification', "!!document.querySelector('.alert-message.info, .alert-message.danger')");
      expect(await page.text('.alert-message.info p')).toBe(WOKEN_DESK);
      expect(replies.get('wake')).toEqual({ ok: true, message: WOKEN_DESK });
      expect((await packet).toString('hex')).toBe(DESK_PACKET);
    });
    await page.open(url('hosts'), READY.hosts);
    await page.click('#cbi-netboot-host tr[data-sid="desk"] .netboot-wake');
    await page.until('the refusal', "!!document.querySelector('.alert-message.danger')");
    expect(await page.text('.alert-message.danger p')).toBe('cannot wake desk (52:54:00:12:34:56): /etc/config/network is missing, so the address of interface "lan" is unknown');
  });

  it('hosts: the dialog’s title shows a host name as text, never as HTML', async () => {
    const name = '<img src=x onerror="window.netbootInjected=2">&amp;';
    await bus.call('uci', 'set', { config: 'netboot', section: 'desk', values: { hostname: name }, ubus_rpc_session: sid });
    try {
      await page.open(url('hosts'), READY.hosts);
      await page.click('#cbi-netboot-host tr[data-sid="desk"] .cbi-button-edit');
      await page.until('the host dialog', "!!document.querySelector('.modal h4')");
      expect(await page.text('.modal h4')).toBe(`Host » ${name}`);
      expect(await page.eval<number>("document.querySelectorAll('.modal h4 *').length")).toBe(0);
      expect(await page.eval<unknown>('window.netbootInjected')).toBeUndefined();
    } finally {
      await bus.call('uci', 'revert', { config: 'netboot', ubus_rpc_session: sid });
    }
  });

  /** The Hosts page's two state cells of a host, as text. */
  const hostState = (mac: string) =>
    page.eval<[string, string]>(`[...document.querySelectorAll('[data-netboot-mac="${mac}"][data-netboot-state]')].map((c) => c.textContent)`);

  it('hosts: Reinstall… sets the install task and wakes the PC; the task shows pending until its boot’s events and an apply clear it', async () => {
    const mac = '52:54:00:12:34:56';
    await onLoopbackLan(async (packet) => {
      await page.open(url('hosts'), READY.hosts);
      expect(await hostState(mac)).toEqual([expect.stringMatching(/^booted · chose boot ubuntu1seen .* · 192\.168\.1\.101$/), 'as configured']);
      await page.click('#cbi-netboot-host tr[data-sid="desk"] .netboot-reinstall');
      await page.until('the reinstall dialog', "!!document.querySelector('#netboot-reinstall-installer')");
      // Only the installers desk's target offers.
      const offered = readFileSync(join(router, 'etc/config/netboot'), 'utf8').match(/config target 'ubuntu1'\n((?:\t.*\n)*)/)![1]!.match(/list installer '(\w+)'/g)!.map((l) => l.split("'")[1]);
      expect(await page.eval<string[]>("[...document.querySelectorAll('#netboot-reinstall-installer option')].map((o) => o.value)")).toEqual(offered);
      await page.eval("(() => { const s = document.getElementById('netboot-reinstall-installer'); s.value = 'ubuntu1804'; })()");
      await page.click('#netboot-reinstall-confirm');
      await page.until('both notifications', "document.querySelectorAll('.alert-message.info').length == 2");
      // LuCI shows the newest notification first: the task's, then the wake's.
      const said = await page.eval<string[]>("[...document.querySelectorAll('.alert-message.info p')].map((p) => p.textContent).reverse()");
      expect(said[0]).toMatch(/^host desk: install ubuntu1804 on its next network boot; applied: /);
      expect(said[1]).toBe(WOKEN_DESK);
      expect((await packet).toString('hex')).toBe(DESK_PACKET);
    });
    await page.until('the pending task', `document.querySelector('[data-netboot-mac="${mac}"][data-netboot-state="task"] .netboot-task') != null`);
    expect((await hostState(mac))[1]).toBe('install ubuntu1804');
    expect(replies.get('hosts')).toMatchObject({ hosts: expect.arrayContaining([expect.objectContaining({ mac, task: { action: 'install', installer: 'ubuntu1804', since: expect.any(Number) } })]) });
    expect(await page.eval<boolean>(`document.querySelector('tr[data-sid="desk"] .netboot-clear').disabled`)).toBe(false);

    // An apply alone does not clear it: only the task's beacon in the journey does.
    expect(await bus.call('netboot', 'apply', {})).toMatchObject({ ok: true });
    expect(readFileSync(join(router, 'etc/config/netboot'), 'utf8')).toMatch(/\toption next_action 'install'\n/);

    // The PC boots: what its host script (rendered with the task) makes it fetch, reported by dnsmasq.
    const hostScript = readFileSync(join(router, 'srv/tftp/netboot/hosts/52-54-00-12-34-56.ipxe'), 'utf8');
    expect(hostScript).toMatch(/^set nb-action install$/m);
    const task = /^set nb-task (\S+)$/m.exec(hostScript)![1];
    boot(dnsmasqScript(dir, router), {
      ...BOOTS[0]!,
      files: ['undionly.kpxe', 'netboot/menu.ipxe', 'netboot/boot.ipxe.cfg', 'netboot/hosts/52-54-00-12-34-56.ipxe', 'netboot/beacon/install/ubuntu1/ubuntu1804.ipxe', `netboot/beacon/${task}.ipxe`],
    });
    // On a router the script's beacon event makes procd run the apply; here the ubus object's apply does it.
    expect(await bus.call('netboot', 'apply', {})).toMatchObject({ ok: true });
    await page.until('the cleared task', `!document.querySelector('[data-netboot-mac="${mac}"][data-netboot-state="task"] .netboot-task')`, 20_000);
    const [lastBoot, nextBoot] = await hostState(mac);
    expect(lastBoot).toMatch(/^installer started · chose install ubuntu1804 on ubuntu1seen /);
    expect(nextBoot).toMatch(/^as configuredlast: install ubuntu1804 at /);
    expect(readFileSync(join(router, 'etc/config/netboot'), 'utf8')).not.toMatch(/next_action/);
    expect(await page.eval<boolean>(`document.querySelector('tr[data-sid="desk"] .netboot-clear').disabled`)).toBe(true);
    await save('hosts');
  }, 60_000);

  it('hosts: Menu next boot sets a menu task, Clear task forgets it', async () => {
    const mac = '52:54:00:ab:cd:ef';
    await page.open(url('hosts'), READY.hosts);
    await page.click('#cbi-netboot-host tr[data-sid="gamer"] .netboot-menu');
    await page.until('the menu task', `(document.querySelector('[data-netboot-mac="${mac}"][data-netboot-state="task"]') || {}).textContent == 'show the menu'`);
    expect(await page.text('.alert-message.info p')).toMatch(/^host gamer: menu on its next network boot/);
    expect(readFileSync(join(router, 'etc/config/netboot'), 'utf8')).toMatch(/config host 'gamer'\n(\t.*\n)*\toption next_action 'menu'\n/);
    await page.click('#cbi-netboot-host tr[data-sid="gamer"] .netboot-clear');
    await page.until('the cleared task', `(document.querySelector('[data-netboot-mac="${mac}"][data-netboot-state="task"]') || {}).textContent == 'as configured'`);
    expect(readFileSync(join(router, 'etc/config/netboot'), 'utf8')).not.toMatch(/next_action/);
  });

  it('hosts: a host added on the page is saved without a name; after Save & Apply, Status says valid and Apply writes its script', async () => {
    await page.open(url('hosts'), READY.hosts);
    await page.click('#cbi-netboot-host .cbi-section-create .cbi-button-add');
    const field = (option: string) => `.modal [data-name="${option}"]`;
    await page.until('the host dialog', `!!document.querySelector('${field('mac')} .create-item-input')`);
    await page.click(`${field('mac')} .open`);
    await page.click(`${field('mac')} li[data-value="52:54:00:9a:0b:1c"]`);
    for (const [option, value] of [['action', 'boot'], ['target', 'lab']]) {
      await page.eval(`(() => { const s = document.querySelector('${field(option)} select'); s.value = '${value}'; s.dispatchEvent(new Event('change', { bubbles: true })); })()`);
    }
    await page.click('.modal .cbi-button-positive');
    await until('the host in rpcd’s changes', async () => {
      const c = await bus.call('uci', 'changes', { config: 'netboot', ubus_rpc_session: sid });
      return JSON.stringify(c).includes('52:54:00:9a:0b:1c') ? c : undefined;
    });
    await page.until('the dialog to close', "!document.querySelector('.modal [data-name=\"mac\"]')");
    await page.click('.cbi-page-actions .cbi-button-apply');
    // The page confirms the apply (after LuCI's apply_holdoff) and reloads.
    await page.until('the confirmed apply', "document.body.textContent.includes('Configuration changes applied.')", 30_000);
    expect(rollback).toBeUndefined();
    const saved = readFileSync(join(router, 'etc/config/netboot'), 'utf8');
    expect(saved).toMatch(/\nconfig host\n(\t.*\n)*\toption mac '52:54:00:9a:0b:1c'\n/);

    await page.open(url('status'), READY.status);
    const overview = await rows('#netboot-overview');
    expect(overview).toContainEqual(['Configuration', 'valid']);
    expect(overview).toContainEqual(['Targets, installers, hosts', '3 / 3 / 3']);
    expect(await applyButton()).toBe(true);
    await page.click('#netboot-apply');
    await page.until('the apply notification', "!!document.querySelector('.alert-message.info, .alert-message.danger')");
    expect(await page.text('.alert-message.info p')).toMatch(/^applied: 1 file change\(s\)/);
    expect(readFileSync(join(router, 'srv/tftp/netboot/hosts/52-54-00-9a-0b-1c.ipxe'), 'utf8')).toMatch(/\nset nb-action boot\nset nb-target lab\n/);
  }, 60_000);

  it('settings: networks and the HTTP boot loaders’ URL; a bad URL is refused in the CLI’s words; after Save & Apply, Status says what HTTP Boot clients get and Apply serves the guest network', async () => {
    // The Wake tests took the network config away; guest gets its DHCP section, as OpenWrt's guest-network recipe makes it.
    writeFileSync(join(router, 'etc/config/network'), NETWORK);
    writeFileSync(dhcpFile, `${readFileSync(dhcpFile, 'utf8')}\nconfig dhcp 'guest'\n\toption interface 'guest'\n\toption start '100'\n\toption limit '50'\n`);
    await page.open(url('settings'), READY.settings);
    const networks = '[data-name="interfaces"] .cbi-dropdown';
    const choices = () => page.eval<[string, boolean][]>(`[...document.querySelectorAll('${networks} li[data-value]')].map((li) => [li.dataset.value, li.hasAttribute('selected')])`);
    // Unset, netboot serves lan: the picker shows that.
    expect(await choices()).toEqual([['guest', false], ['lan', true]]);

    const bootUrl = '#widget\\.cbid\\.netboot\\.main\\.boot_url';
    const tooltip = () => page.eval<string | null>("document.getElementById('widget.cbid.netboot.main.boot_url').getAttribute('data-tooltip')");
    const bad = 'ftp://192.168.1.1/tftp/';
    const cli = netboot(['--root', makeRoot({ netboot: withOption('main', 'boot_url', bad) }), 'validate']);
    const refusal = new RegExp(`^error: netboot\\.main\\.boot_url: "${bad}" is not allowed; use (.*)$`, 'm').exec(cli.stderr);
    expect(refusal, cli.stderr).not.toBeNull();
    await page.type(bootUrl, bad);
    expect(await tooltip()).toBe(`Use ${refusal![1]}`);
    await page.type(bootUrl, 'http://192.168.1.1/tftp/');
    expect(await tooltip()).toBeNull();
    await page.click(`${networks} .open`);
    await page.click(`${networks} li[data-value="guest"]`);
    await page.click('.cbi-map h2');
    expect(await choices()).toEqual([['guest', true], ['lan', true]]);

    await page.click('.cbi-page-actions .cbi-button-apply');
    await page.until('the confirmed apply', "document.body.textContent.includes('Configuration changes applied.')", 30_000);
    const saved = readFileSync(join(router, 'etc/config/netboot'), 'utf8');
    expect(saved).toMatch(/^config netboot 'main'\n(\t.*\n)*\tlist interfaces 'lan'\n\tlist interfaces 'guest'\n/m);
    expect(saved).toMatch(/^config netboot 'main'\n(\t.*\n)*\toption boot_url 'http:\/\/192\.168\.1\.1\/tftp\/'\n/m);

    await page.open(url('status'), READY.status);
    const line = netboot(['--root', router, 'validate']).stdout.split('\n').find((l) => l.includes('HTTP Boot'))!.replace(/^netboot: /, '');
    expect(line).toBe('UEFI HTTP Boot clients get http://192.168.1.1/tftp/snponly.efi (arm64: http://192.168.1.1/tftp/arm64/snponly.efi), from boot_url');
    expect(await rows('#netboot-overview')).toContainEqual(['UEFI HTTP Boot', line]);
    expect(replies.get('status')!.http_boot).toEqual({ url: 'http://192.168.1.1/tftp/', message: line });
    await page.click('#netboot-apply');
    await page.until('the apply notification', "!!document.querySelector('.alert-message.info, .alert-message.danger')");
    expect(await page.text('.alert-message.info p')).toMatch(/^applied: /);
    const dhcp = readFileSync(dhcpFile, 'utf8');
    expect(dhcp).toMatch(/^config boot 'netboot_boot_bios_guest'\n(\t.*\n)*\toption networkid 'netboot_bios,tag:!netboot_ipxe,tag:guest'\n/m);
    expect(dhcp).toMatch(/^config boot 'netboot_boot_http64'\n(\t.*\n)*\toption filename 'http:\/\/192\.168\.1\.1\/tftp\/snponly\.efi'\n/m);
  }, 60_000);
});
