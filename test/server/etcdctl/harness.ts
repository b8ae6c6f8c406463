/**
 * Run one etcdctl script against an endpoint and record what etcdctl printed: the same script runs on a
 * real etcd and on the simulator server, and the two transcripts are compared after normalizing only what
 * cannot match (IDs, timings, ports, raft indexes and sizes). Background commands (watch, lock, elect,
 * keep-alive) are started, waited for and stopped by signal, as a person at a shell would.
 */

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';

/** Message given when etcdctl is missing: the comparison never turns into a skipped test. */
export const ETCDCTL_MISSING =
  'etcdctl not found on PATH. Install it (Debian/Ubuntu: `apt-get install -y etcd-client`) or run `bash .ci/run`.';

/** Throw a clear error unless an `etcdctl` binary is on PATH. */
export function assertEtcdctlInstalled(): void {
  try {
    execFileSync('etcdctl', ['version'], { stdio: 'ignore' });
  } catch {
    throw new Error(ETCDCTL_MISSING);
  }
}

/** One step of a script. */
export type Step =
  /**
   * Run etcdctl with these arguments (stdin fed and closed) and record its output; `save` keeps the
   * lease ID it granted (hex, as etcdctl takes it) for `{{name}}` in later arguments.
   */
  | { run: string[]; stdin?: string; save?: string }
  /** Start etcdctl in the background under `name`. */
  | { start: string; args: string[] }
  /** Wait (unrecorded) until background `name` has printed `text`. */
  | { waitOutput: string; text: string }
  /** Wait (unrecorded) until `count` keys exist under `prefix`: a lock or election waiter has queued. */
  | { waitKeys: string; count: number }
  /** Send `signal` to background `name`, wait for it to exit, and record everything it printed. */
  | { stop: string; signal: NodeJS.Signals };

/** What one command printed, as recorded. */
export interface CtlResult {
  readonly command: string;
  readonly exit: string;
  readonly stdout: string;
  readonly stderr: string;
}

const ENV = { ...process.env, ETCDCTL_API: '3' };
const COMMAND_TIMEOUT_MS = 15_000;

/** etcdctl's arguments for `endpoint` (host:port, no scheme) plus `args`. */
function ctlArgs(endpoint: string, args: readonly string[], tls: readonly string[]): string[] {
  return ['--endpoints', endpoint, ...tls, ...args];
}

/** Run etcdctl to completion. */
export function runCtl(
  endpoint: string,
  args: readonly string[],
  options: { stdin?: string; tls?: readonly string[] } = {},
): Promise<CtlResult> {
  const child = spawn('etcdctl', ctlArgs(endpoint, args, options.tls ?? []), {
    env: ENV,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  // etcdctl may exit before reading its input.
  child.stdin?.on('error', () => {});
  child.stdin?.end(options.stdin ?? '');
  return finish(child, args);
}

/** Collect a child's output until it exits (killed after a generous timeout). */
function finish(child: ChildProcess, args: readonly string[], out = capture(child)): Promise<CtlResult> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), COMMAND_TIMEOUT_MS);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        command: args.join(' '),
        exit: signal === null ? `exit ${code}` : `signal ${signal}`,
        stdout: out.stdout(),
        stderr: out.stderr(),
      });
    });
  });
}

function capture(child: ChildProcess): { stdout(): string; stderr(): string } {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  return { stdout: () => stdout, stderr: () => stderr };
}

interface Background {
  readonly child: ChildProcess;
  readonly args: readonly string[];
  readonly out: ReturnType<typeof capture>;
  readonly done: Promise<CtlResult>;
}

/** Poll `check` every 20 ms until it is true; fail after `timeoutMs` with `what`. */
async function until(check: () => boolean | Promise<boolean>, what: () => string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The lease ID a `lease grant` printed, in hex (simple output prints hex, JSON decimal). */
function grantedId(r: CtlResult): string {
  const hex = /^lease ([0-9a-f]+) granted/m.exec(r.stdout)?.[1];
  if (hex !== undefined) return hex;
  const dec = /"ID":(\d+)/.exec(r.stdout)?.[1];
  if (dec !== undefined) return BigInt(dec).toString(16);
  throw new Error(`no lease ID in the output of etcdctl ${r.command}: ${r.stdout} ${r.stderr}`);
}

/** Run `steps` against `endpoint` (host:port); the transcript of every recorded command, in order. */
export async function runScript(
  endpoint: string,
  steps: readonly Step[],
  tls: readonly string[] = [],
): Promise<CtlResult[]> {
  const transcript: CtlResult[] = [];
  const background = new Map<string, Background>();
  const saved = new Map<string, string>();
  const fill = (args: readonly string[]) =>
    args.map((a) =>
      a.replace(/\{\{(\w+)\}\}/g, (_m, name: string) => {
        const value = saved.get(name);
        if (value === undefined) throw new Error(`{{${name}}} used before it was saved`);
        return value;
      }),
    );
  try {
    for (const step of steps) {
      if ('run' in step) {
        const r = await runCtl(endpoint, fill(step.run), {
          tls,
          ...(step.stdin ? { stdin: step.stdin } : {}),
        });
        transcript.push({ ...r, command: step.run.join(' ') });
        if (step.save !== undefined) saved.set(step.save, grantedId(r));
      } else if ('start' in step) {
        const child = spawn('etcdctl', ctlArgs(endpoint, fill(step.args), tls), {
          env: ENV,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        const out = capture(child);
        background.set(step.start, { child, args: step.args, out, done: finish(child, step.args, out) });
      } else if ('waitOutput' in step) {
        const bg = named(background, step.waitOutput);
        await until(
          () => bg.out.stdout().includes(step.text) || bg.child.exitCode !== null,
          () =>
            `${JSON.stringify(step.text)} from etcdctl ${bg.args.join(' ')} on ${endpoint}; background output: ${[
              ...background.values(),
            ]
              .map(
                (b) =>
                  `\n  ${b.args.join(' ')}: ${JSON.stringify(b.out.stdout())} ${JSON.stringify(b.out.stderr())}`,
              )
              .join('')}\n  transcript so far: ${JSON.stringify(transcript.slice(-4))}`,
        );
      } else if ('waitKeys' in step) {
        let seen = '';
        await until(
          async () => {
            const r = await runCtl(endpoint, ['get', step.waitKeys, '--prefix', '--keys-only'], { tls });
            seen = r.stdout + r.stderr;
            return r.exit === 'exit 0' && r.stdout.split('\n').filter((l) => l !== '').length === step.count;
          },
          () => `${step.count} keys under ${step.waitKeys}; last answer ${JSON.stringify(seen)}`,
        );
      } else {
        const bg = named(background, step.stop);
        bg.child.kill(step.signal);
        transcript.push(await bg.done);
        background.delete(step.stop);
      }
    }
  } finally {
    for (const bg of background.values()) bg.child.kill('SIGKILL');
  }
  return transcript;
}

function named(background: Map<string, Background>, name: string): Background {
  const bg = background.get(name);
  if (!bg) throw new Error(`no background command named ${name}`);
  return bg;
}
