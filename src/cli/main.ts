#!/usr/bin/env node
// Entry point: turn on Node's compile cache first, so every later module load (per WAL segment too) is faster.
import module from 'node:module';

module.enableCompileCache?.();
await import('./program.ts');
