// `npm start`: the main job on the bundled example router, so a newcomer sees
// what netboot does: validate, plan, apply, status, then the generated menu
// and dhcp sections. It works on a fresh copy in .cache/example-router, so
// the example in the repository stays as it is.
import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = fileURLToPath(new URL('../dist/netboot.js', import.meta.url));
const example = fileURLToPath(new URL('../example/router', import.meta.url));
const root = fileURLToPath(new URL('../.cache/example-router', import.meta.url));
rmSync(root, { recursive: true, force: true });
cpSync(`${example}/etc`, `${root}/etc`, { recursive: true });

function run(...args) {
  console.log(`\n$ netboot --root .cache/example-router ${args.join(' ')}`);
  execFileSync(process.execPath, [bundle, '--root', root, ...args], { stdio: 'inherit' });
}

run('validate');
run('plan');
run('apply');
run('status');
for (const f of ['srv/tftp/netboot/boot.ipxe.cfg', 'srv/tftp/netboot/hosts/52-54-00-12-34-56.ipxe', 'srv/tftp/netboot/menu.ipxe']) {
  console.log(`\n----- /${f} -----`);
  process.stdout.write(readFileSync(`${root}/${f}`, 'utf8'));
}
const dhcp = readFileSync(`${root}/etc/config/dhcp`, 'utf8');
console.log('\n----- /etc/config/dhcp: the sections netboot added -----');
process.stdout.write(dhcp.slice(dhcp.indexOf("config match 'netboot_")));
console.log(`\nEverything is under ${root}; edit example/router/etc/config/netboot and run npm start again.`);
