// Starts http-server.mjs inside the namespace and reads its request log.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NET } from './env';
import type { Netns } from './netns';
import { Daemon } from './proc';

const SERVER = fileURLToPath(new URL('./http-server.mjs', import.meta.url));

export interface HttpRequest {
  t: number;
  client: string;
  method: string;
  path: string;
  range: string | null;
  status: number;
}

export class HttpServer {
  private constructor(
    readonly daemon: Daemon,
    private readonly requestLog: string,
  ) {}

  /** mounts: URL prefix ("/netboot/") → directory. */
  static async start(ns: Netns, workDir: string, mounts: Record<string, string>): Promise<HttpServer> {
    const requestLog = join(workDir, 'http-requests.jsonl');
    const mountArgs = Object.entries(mounts).map(([prefix, dir]) => `${prefix}=${dir}`);
    const [cmd, args] = ns.exec(process.execPath, [SERVER, NET.server, String(NET.httpPort), requestLog, ...mountArgs]);
    const h = new HttpServer(new Daemon('http', cmd, args, join(workDir, 'http.log')), requestLog);
    await h.daemon.waitForLog(/listening on/, 10000);
    return h;
  }

  requests(): HttpRequest[] {
    let text = '';
    try {
      text = readFileSync(this.requestLog, 'utf8');
    } catch {
      return [];
    }
    return text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as HttpRequest);
  }

  stop(): Promise<void> {
    return this.daemon.stop();
  }
}
