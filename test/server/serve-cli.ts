/**
 * Run `etcd-kv-kit serve` from the sources as a child process (node, not npx, so signals reach it) and
 * wait for its ready line. Tests stop it by PID.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const READY = /^etcd-kv-kit: ready to serve client requests on (\S+)$/m;

/** A `serve` process and what it printed. */
export interface ServeProcess {
  readonly child: ChildProcess;
  /** The first client URL of the ready line. */
  readonly url: string;
  /** Everything printed so far. */
  output(): { stdout: string; stderr: string };
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
}

/** Start `node src/cli/main.ts <args>` and collect its output. */
export function spawnCli(args: readonly string[]): Omit<ServeProcess, 'url'> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  return { child, output: () => ({ stdout, stderr }), exited };
}

/** `serve <args>`, resolved once it prints its ready line; fails with its output if it exits first. */
export async function serveCli(args: readonly string[], timeoutMs = 30_000): Promise<ServeProcess> {
  const p = spawnCli(['serve', ...args]);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const url = READY.exec(p.output().stdout)?.[1];
    if (url !== undefined) return { ...p, url: url.split(',')[0]! };
    const { stdout, stderr } = p.output();
    if (p.child.exitCode !== null || Date.now() > deadline) {
      p.child.kill('SIGKILL');
      throw new Error(
        `serve ${args.join(' ')} did not get ready (exit ${p.child.exitCode}):\n${stdout}\n${stderr}`,
      );
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Send `signal` and wait for the exit. */
export async function stopCli(p: Pick<ServeProcess, 'child' | 'exited'>, signal: NodeJS.Signals = 'SIGTERM') {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill(signal);
  return p.exited;
}
