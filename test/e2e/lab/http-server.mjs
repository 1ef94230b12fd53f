// The lab's HTTP server, run inside the namespace: serves directories at URL
// prefixes, supports Range, and appends every request to a log in arrival order.
// node http-server.mjs HOST PORT LOGFILE /prefix/=DIR ...
import { createServer } from 'node:http';
import { appendFileSync, createReadStream, statSync } from 'node:fs';
import { join, normalize } from 'node:path';

const [host, port, logFile, ...mountArgs] = process.argv.slice(2);
const mounts = mountArgs.map((m) => {
  const i = m.indexOf('=');
  return { prefix: m.slice(0, i), dir: m.slice(i + 1) };
});

function resolvePath(urlPath) {
  for (const { prefix, dir } of mounts) {
    if (!urlPath.startsWith(prefix)) continue;
    const rel = normalize(decodeURIComponent(urlPath.slice(prefix.length)));
    if (rel.startsWith('..') || rel.startsWith('/')) return undefined;
    return join(dir, rel);
  }
  return undefined;
}

function send(req, res, status, headers, file, range) {
  res.writeHead(status, headers);
  appendFileSync(logFile, `${JSON.stringify({ t: Date.now(), client: req.socket.remoteAddress, method: req.method, path: req.url, range: req.headers.range ?? null, status })}\n`);
  if (!file || req.method === 'HEAD') return res.end();
  createReadStream(file, range).pipe(res);
}

const server = createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  const file = resolvePath(path);
  let st;
  try {
    st = file ? statSync(file) : undefined;
  } catch {
    st = undefined;
  }
  if (!file || !st?.isFile() || (req.method !== 'GET' && req.method !== 'HEAD')) {
    return send(req, res, 404, { 'content-length': '0' });
  }
  const size = st.size;
  const m = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
  if (req.headers.range && m && (m[1] || m[2])) {
    let start = m[1] ? Number(m[1]) : Math.max(0, size - Number(m[2]));
    let end = m[1] && m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
    if (start > end || start >= size) {
      return send(req, res, 416, { 'content-range': `bytes */${size}`, 'content-length': '0' });
    }
    return send(
      req,
      res,
      206,
      { 'content-length': String(end - start + 1), 'content-range': `bytes ${start}-${end}/${size}`, 'accept-ranges': 'bytes' },
      file,
      { start, end },
    );
  }
  send(req, res, 200, { 'content-length': String(size), 'accept-ranges': 'bytes' }, file, undefined);
});
server.keepAliveTimeout = 60000;
server.listen(Number(port), host, () => process.stdout.write(`listening on ${host}:${port}\n`));
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
