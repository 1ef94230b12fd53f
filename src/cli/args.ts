export class UsageError extends Error {}

export const COMMANDS = ['validate', 'plan', 'render', 'apply', 'disable', 'status', 'check', 'preview', 'bootloaders', 'wake', 'hosts', 'task', 'rpcd'] as const;

export interface Args {
  command?: string;
  /** Words after the command, e.g. `install` in `bootloaders install`, or a MAC for preview. */
  words: string[];
  root: string;
  json: boolean;
  ubusSocket?: string;
  from?: string;
  sha256: string[];
  tftpServer?: string;
  help: boolean;
  version: boolean;
}

export function usage(): string {
  return `Usage: netboot [--root DIR] COMMAND [--json]

Network boot for diskless PCs from an OpenWrt router: reads /etc/config/netboot,
writes the iPXE menus into the TFTP root and manages dnsmasq's PXE options.

Commands:
  validate   check /etc/config/netboot (and what in /etc/config/dhcp would fight it);
             every error names netboot.SECTION.OPTION
  plan       what apply would change: files, dhcp sections and options
  apply      validate, write the files, change dhcp, reload dnsmasq, verify;
             on any failure everything is put back as it was
  disable    remove exactly netboot's own files and dhcp sections
  render     write only the iPXE scripts (when dnsmasq is configured by hand)
  status     summary of the config, whether files and dhcp are current, last apply
  check      fetch every boot file and menu over TFTP, connect to every iSCSI
             portal, HEAD every installer file
             [--tftp-server ADDR]: default the lan address in /etc/config/network
  preview MAC                 the script that client gets first
  hosts      every host: its task, the last task it ran, where its last boot got to
  task HOST install INSTALLER | menu | boot | clear
             a one-shot job for the host's next network boot (HOST: its section
             name or MAC); netboot clears it once the PC has started it
  bootloaders install --from DIR|URL [--sha256 [NAME=]SUM]...
             put undionly.kpxe, snponly.efi, ipxe.efi (and arm64 ones) into the
             TFTP root; a SHA256SUMS file next to them is checked too
  wake HOST|MAC
             send the Wake-on-LAN magic packet on the interfaces netboot
             serves (HOST: a host's section name or hostname)
  rpcd list | rpcd call METHOD
             the rpcd plugin /usr/libexec/rpcd/netboot (the ubus object
             "netboot"): METHOD's arguments as JSON on stdin, its reply on stdout

Options:
  --root DIR           act on a folder laid out like a router (DIR/etc/config/netboot)
  --json               machine-readable output
  --ubus-socket PATH   ubus socket (default /var/run/ubus/ubus.sock, then /var/run/ubus.sock)
  -h, --help           this text
  -V, --version

Exit codes: 0 ok, 1 invalid config or failed action, 2 usage error.
`;
}

/** What the commands that take a word need, for the usage error. */
const NEEDS = { preview: 'a MAC address', bootloaders: '"install"', wake: 'a host or a MAC address' };

/** Options that take a value; --sha256 may be given more than once. */
const VALUED: Record<string, (a: Args, v: string) => void> = {
  '--root': (a, v) => (a.root = v),
  '--ubus-socket': (a, v) => (a.ubusSocket = v),
  '--from': (a, v) => (a.from = v),
  '--sha256': (a, v) => a.sha256.push(v),
  '--tftp-server': (a, v) => (a.tftpServer = v),
};

export function parseArgs(argv: string[]): Args {
  const args: Args = { root: '/', json: false, help: false, version: false, words: [], sha256: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    if (Object.hasOwn(VALUED, flag)) {
      const v = inline ?? argv[++i];
      if (v === undefined || (inline === undefined && v.startsWith('-'))) throw new UsageError(`${flag} needs a value`);
      VALUED[flag](args, v);
    } else if (a === '--json') args.json = true;
    else if (a === '-h' || a === '--help') args.help = true;
    else if (a === '-V' || a === '--version') args.version = true;
    else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
    else if (args.command === undefined) args.command = a;
    else args.words.push(a);
  }
  if (args.help || args.version) return args;
  if (args.command === undefined) throw new UsageError(`a command is needed: ${COMMANDS.join(', ')}`);
  if (!(COMMANDS as readonly string[]).includes(args.command)) {
    throw new UsageError(`unknown command ${JSON.stringify(args.command)}; use one of ${COMMANDS.join(', ')}`);
  }
  const words = { preview: 1, bootloaders: 1, wake: 1 }[args.command as string] ?? 0;
  if (args.command === 'task') {
    const [, action] = args.words;
    const n = action === 'install' ? 3 : 2;
    if (args.words.length !== n) throw new UsageError('use: netboot task HOST install INSTALLER | menu | boot | clear');
  } else if (args.command === 'rpcd') {
    if (!(args.words.length === 1 && args.words[0] === 'list') && !(args.words.length === 2 && args.words[0] === 'call')) throw new UsageError('use: netboot rpcd list | netboot rpcd call METHOD');
  } else if (args.words.length !== words) {
    throw new UsageError(
      words ? `${args.command} needs ${NEEDS[args.command as keyof typeof NEEDS]}` : `unexpected argument ${JSON.stringify(args.words[0])}`,
    );
  }
  if (args.command === 'bootloaders' && (args.words[0] !== 'install' || !args.from)) throw new UsageError('use: netboot bootloaders install --from DIR|URL [--sha256 [NAME=]SUM]');
  return args;
}
