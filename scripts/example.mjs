// `npm start`: the main job on the bundled example router root, so a newcomer
// sees what netboot does: validate, plan, render, then the generated menu.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = fileURLToPath(new URL('../dist/netboot.js', import.meta.url));
const root = fileURLToPath(new URL('../example/router', import.meta.url));

function run(...args) {
  console.log(`\n$ netboot --root example/router ${args.join(' ')}`);
  execFileSync(process.execPath, [bundle, '--root', root, ...args], { stdio: 'inherit' });
}

run('validate');
run('plan');
run('render');
run('status');
for (const f of ['netboot/boot.ipxe.cfg', 'netboot/hosts/52-54-00-12-34-56.ipxe', 'netboot/menu.ipxe']) {
  console.log(`\n----- ${'/srv/tftp/' + f} -----`);
  process.stdout.write(readFileSync(`${root}/srv/tftp/${f}`, 'utf8'));
}
