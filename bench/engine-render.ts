// The core's render under whichever engine runs this file: scripts/bench.mjs
// bundles it alone and runs it under node and under the wasm QuickJS, and
// prints one line per host count from the JSON it prints.
import { configWith, renderText, time } from './render';

const rows = [10, 1000, 10000].map((hosts) => {
  const text = configWith(hosts);
  return { hosts, ms: time(() => renderText(text), hosts >= 10000 ? 3 : hosts >= 1000 ? 7 : 21) };
});
console.log(JSON.stringify(rows));
