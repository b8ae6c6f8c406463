/**
 * The package as a user gets it: `npm pack` (prepack cleans dist and builds), then `npm install` of the
 * tarball into a fresh project in the temp dir, outside this repository. Dependencies come from the npm
 * cache (`--prefer-offline`), so this needs no network once `npm ci` has run. Tools the user would have
 * installed themselves (typescript, vitest, @types/node) are linked from this repository's node_modules.
 */

import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { root } from './package-info.js';

const exec = promisify(execFile);

/** Output of a finished command. */
export interface Run {
  stdout: string;
  stderr: string;
}

/** Run `file args` in `cwd`; on failure, throw with everything it printed. */
export async function run(
  file: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 120_000,
): Promise<Run> {
  const { FORCE_COLOR: _, ...inherited } = process.env;
  try {
    return await exec(file, args, {
      cwd,
      env: { ...inherited, NO_COLOR: '1', ...env },
      timeout: timeoutMs,
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; killed?: boolean; code?: unknown };
    const why = e.killed ? `timed out after ${timeoutMs} ms` : `exited with ${String(e.code)}`;
    throw new Error(`${file} ${args.join(' ')} (in ${cwd}) ${why}:\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

/** A packed tarball installed into a fresh project. */
export interface Consumer {
  /** The temp dir holding everything (removed by `dispose`). */
  readonly dir: string;
  /** The .tgz `npm pack` made. */
  readonly tarball: string;
  /** Paths inside the tarball, as `npm pack --json` lists them ("package/" prefix dropped). */
  readonly files: string[];
  /** The project root: package.json with "type": "commonjs", node_modules with the package installed. */
  readonly project: string;
  /** Remove the temp dir. */
  dispose(): void;
}

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Pack this repository and install the tarball into a fresh CommonJS project. */
export async function packAndInstall(): Promise<Consumer> {
  const dir = mkdtempSync(join(tmpdir(), 'kvkit-consumer-'));
  try {
    const packed = await run(npm, ['pack', '--json', '--pack-destination', dir], root);
    // prepack's output precedes the JSON on stdout.
    const json = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('\n[') + 1)) as {
      filename: string;
      files: { path: string }[];
    }[];
    const [info] = json;
    if (!info) throw new Error(`npm pack printed no package: ${packed.stdout}`);
    const tarball = join(dir, info.filename);
    const project = join(dir, 'project');
    mkdirSync(project);
    writeFileSync(
      join(project, 'package.json'),
      '{ "name": "consumer", "private": true, "type": "commonjs" }\n',
    );
    await run(
      npm,
      ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'],
      project,
    );
    for (const tool of ['typescript', 'vitest', '@types/node']) {
      if (existsSync(join(project, 'node_modules', tool))) continue; // installed as a dependency's dependency
      mkdirSync(join(project, 'node_modules', tool, '..'), { recursive: true });
      symlinkSync(join(root, 'node_modules', tool), join(project, 'node_modules', tool), 'dir');
    }
    return {
      dir,
      tarball,
      files: info.files.map((f) => f.path),
      project,
      dispose: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
