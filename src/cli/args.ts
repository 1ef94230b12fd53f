export class UsageError extends Error {}

export const COMMANDS = ['validate', 'plan', 'render', 'apply', 'disable', 'status'] as const;

export interface Args {
  command?: string;
  root: string;
  json: boolean;
  ubusSocket?: string;
  help: boolean;
  version: boolean;
}

export function usage(): string {
  return `Usage: netboot [--root DIR] COMMAND [--json]

Network boot for diskless PCs from an OpenWrt router: reads /etc/config/netboot
and writes the iPXE menus into the TFTP root.

Commands:
  validate   check /etc/config/netboot (and what in /etc/config/dhcp would fight it);
             every error names netboot.SECTION.OPTION
  plan       what apply would change: files, dhcp sections and options
  apply      validate, write the files, change dhcp, reload dnsmasq, verify;
             on any failure everything is put back as it was
  disable    remove exactly netboot's own files and dhcp sections
  render     write only the iPXE scripts (when dnsmasq is configured by hand)
  status     summary of the config, whether files and dhcp are current, last apply

Options:
  --root DIR   act on a folder laid out like a router (DIR/etc/config/netboot)
  --json       machine-readable output
  --ubus-socket PATH   ubus socket (default /var/run/ubus/ubus.sock, then /var/run/ubus.sock)
  -h, --help   this text
  -V, --version

Exit codes: 0 ok, 1 invalid config or failed action, 2 usage error.
`;
}

export function parseArgs(argv: string[]): Args {
  const args: Args = { root: '/', json: false, help: false, version: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--root') {
      const v = argv[++i];
      if (v === undefined || v.startsWith('-')) throw new UsageError('--root needs a folder');
      args.root = v;
    } else if (a.startsWith('--root=')) args.root = a.slice('--root='.length);
    else if (a === '--json') args.json = true;
    else if (a === '--ubus-socket') {
      const v = argv[++i];
      if (v === undefined || v.startsWith('-')) throw new UsageError('--ubus-socket needs a path');
      args.ubusSocket = v;
    }
    else if (a === '-h' || a === '--help') args.help = true;
    else if (a === '-V' || a === '--version') args.version = true;
    else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
    else if (args.command === undefined) args.command = a;
    else throw new UsageError(`unexpected argument ${JSON.stringify(a)}`);
  }
  if (!args.help && !args.version) {
    if (args.command === undefined) throw new UsageError(`a command is needed: ${COMMANDS.join(', ')}`);
    if (!(COMMANDS as readonly string[]).includes(args.command)) {
      throw new UsageError(`unknown command ${JSON.stringify(args.command)}; use one of ${COMMANDS.join(', ')}`);
    }
  }
  return args;
}
