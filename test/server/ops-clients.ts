/** Running clients nobody here wrote (curl, etcdctl, Debian's etcd3gw) for the operations tests. */

import { execFile } from 'node:child_process';

/** The result of a command: exit code and output. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `cmd` with `args` (a generous timeout; never a shell). */
export function run(
  cmd: string,
  args: string[],
  options: { input?: string; timeoutMs?: number } = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      cmd,
      args,
      { timeout: options.timeoutMs ?? 20_000, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') return reject(error);
        resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** One HTTP answer as curl saw it. */
export interface CurlAnswer {
  status: number;
  body: string;
}

/** POST (or GET, with `body` undefined and `method`) `path` on `base` with curl. */
export async function curl(
  base: string,
  path: string,
  body?: string,
  extra: string[] = [],
): Promise<CurlAnswer> {
  const args = ['-s', '-w', '\n%{http_code}', ...extra, `${base}${path}`];
  if (body !== undefined) args.push('--data-binary', body);
  const r = await run('curl', args);
  const at = r.stdout.lastIndexOf('\n');
  return { status: Number(r.stdout.slice(at + 1)), body: r.stdout.slice(0, at) };
}

/** The host:port of a URL, as etcdctl 3.4 must be given it (no scheme). */
export function hostPort(url: string): string {
  return url.replace(/^https?:\/\//, '');
}
