#!/usr/bin/env node
/** The `etcd-kv-kit` command: `serve` starts the simulator server. */

import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from '../interface/errors.js';
import { MEMORY_ETCD_VERSION } from '../memory-backend/store.js';
import { StoreFileError, startServer } from '../server/index.js';
import { FlagError } from './flags.js';
import { SERVE_HELP, serveOptions } from './serve.js';

const USAGE = `Usage: etcd-kv-kit <command> [flags]

Commands:
  serve     serve an in-memory etcd on etcd's gRPC API (see: etcd-kv-kit serve --help)
  dump      write an etcd's keys as a JSON fixture that serve --load starts from (dump --help)

  --help    this text
  --version the package version and the etcd version the server mirrors
`;

/** This package's version, from the nearest package.json named etcd-kv-kit above this file. */
function packageVersion(): string {
  for (let url = new URL('./', import.meta.url); url.pathname !== '/'; url = new URL('../', url)) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', url), 'utf8')) as {
        name?: string;
        version: string;
      };
      if (pkg.name === 'etcd-kv-kit') return pkg.version;
    } catch {}
  }
  return 'unknown';
}

/** Print `message` and exit 2, as for any bad command line. */
function usageError(message: string): never {
  process.stderr.write(`etcd-kv-kit: ${message}\nRun 'etcd-kv-kit serve --help' for the flags.\n`);
  process.exit(2);
}

async function serve(args: string[]): Promise<void> {
  if (args.includes('--help') || args.includes('-help') || args.includes('-h')) {
    process.stdout.write(SERVE_HELP);
    return;
  }
  let options: ReturnType<typeof serveOptions>;
  try {
    options = serveOptions(args);
  } catch (error) {
    if (error instanceof FlagError) usageError(error.message);
    throw error;
  }
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer(options);
  } catch (error) {
    if (error instanceof StoreFileError) {
      process.stderr.write(`etcd-kv-kit: ${error.message}\n`);
      process.exit(1);
    }
    if (error instanceof InvalidArgumentError) usageError(error.message);
    const e = error as NodeJS.ErrnoException;
    process.stderr.write(`etcd-kv-kit: cannot listen: ${e.code ?? ''} ${e.message}\n`);
    process.exit(1);
  }
  const stop = (): void => {
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.stdout.write(`etcd-kv-kit: ready to serve client requests on ${server.endpoints.join(',')}\n`);
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    if (command === undefined) process.exitCode = 2;
    return;
  }
  if (command === '--version' || command === 'version') {
    process.stdout.write(`etcd-kv-kit ${packageVersion()} (mirrors etcd ${MEMORY_ETCD_VERSION})\n`);
    return;
  }
  if (command === 'serve') return serve(rest);
  if (command === 'dump') {
    // Loaded here, not at start: it brings the etcd backend (etcd3 and its gRPC), which serve never needs.
    const { DUMP_HELP, dump } = await import('./dump.js');
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(DUMP_HELP);
      return;
    }
    try {
      await dump(rest);
    } catch (error) {
      if (error instanceof FlagError) usageError(error.message);
      process.stderr.write(`etcd-kv-kit: dump failed: ${(error as Error).message}\n`);
      process.exit(1);
    }
    return;
  }
  usageError(`unknown command ${JSON.stringify(command)}`);
}

void main(process.argv.slice(2));
