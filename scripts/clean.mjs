#!/usr/bin/env node
// Remove the build output, so that `npm pack` never ships a file left over from an earlier build.
import { rmSync } from 'node:fs';

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
