import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../packages/store/test/redisServer.ts';
import { ROOT } from '../helpers/servers.ts';

export const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p)) ?? 'nginx';
export const NGINX_CONF = path.join(ROOT, 'deploy/nginx.conf');

export interface NginxHandle {
  url: string;
  port: number;
  /** The configuration it runs: deploy/nginx.conf with only addresses, port and pid file changed. */
  conf: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * deploy/nginx.conf as it is, except: the `server nodeN:3000 …;` upstream lines point at the given
 * local ports (their parameters kept), `listen` is a free loopback port, and the pid file is private.
 */
export function templateNginxConf(source: string, upstreamPorts: number[], listenPort: number, dir: string): string {
  const upstreamLine = /^(\s*)server\s+node\d+:\d+(\s[^;]*)?;\s*$/gm;
  const found = source.match(upstreamLine) ?? [];
  if (found.length !== upstreamPorts.length) throw new Error(`deploy/nginx.conf has ${found.length} upstream servers, the test runs ${upstreamPorts.length}`);
  let i = 0;
  let conf = source.replace(upstreamLine, (_m, indent: string, params: string | undefined) => `${indent}server 127.0.0.1:${upstreamPorts[i++]}${params ?? ''};`);
  const listen = /^(\s*)listen\s+\d+;\s*$/m;
  if (!listen.test(conf)) throw new Error('deploy/nginx.conf: no `listen <port>;` line');
  conf = conf.replace(listen, (_m, indent: string) => `${indent}listen 127.0.0.1:${listenPort};`);
  conf = conf.replace(/^pid\s+[^;]+;/m, `pid ${path.join(dir, 'nginx.pid')};`);
  return conf;
}

/** Debian's nginx with the project's configuration in front of the given node ports, as a child process. */
export async function startNginx(upstreamPorts: number[]): Promise<NginxHandle> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'yishi-nginx-'));
  const port = await freePort();
  const conf = templateNginxConf(await readFile(NGINX_CONF, 'utf8'), upstreamPorts, port, dir);
  const confPath = path.join(dir, 'nginx.conf');
  await writeFile(confPath, conf);
  const errorLog = path.join(dir, 'error.log');
  const args = ['-p', dir, '-c', confPath, '-e', errorLog, '-g', `daemon off; error_log ${errorLog} warn;`];
  const check = spawnSync(NGINX, ['-t', ...args], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`nginx -t refused the configuration:\n${check.stderr}\n${conf}`);

  const child: ChildProcess = spawn(NGINX, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const onExit = () => child.kill('SIGKILL');
  process.once('exit', onExit);
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + 10_000;
  while (!(await canConnect(port))) {
    if (gone || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nginx did not listen on ${port}:\n${out}\n${await readFile(errorLog, 'utf8').catch(() => '')}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    conf,
    output: () => out,
    async stop() {
      process.off('exit', onExit);
      if (!gone) {
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    }
  };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

