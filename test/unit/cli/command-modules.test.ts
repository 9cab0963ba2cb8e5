// What `backup` and `drill` load before they start: the modules of other paths are imported only where they are used.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));

// Every module URL a fresh Node process loads to import `entry` (a command's module, as the CLI imports it).
function modulesLoadedBy(entry: string): string[] {
  const script = `
    import { registerHooks } from 'node:module';
    const seen = [];
    registerHooks({ load(url, context, next) { seen.push(url); return next(url, context); } });
    await import(${JSON.stringify(SRC + entry)});
    process.stdout.write(JSON.stringify(seen));
  `;
  return JSON.parse(
    execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }),
  ) as string[];
}

function loaded(modules: readonly string[], part: string): boolean {
  return modules.some((url) => url.includes(part));
}

test('the backup command loads neither the other methods’ steps nor metrics before it runs', () => {
  const modules = modulesLoadedBy('cli/backup.ts');
  assert.ok(loaded(modules, '/src/backup/basebackup.ts'), 'sanity: the basebackup steps are loaded');
  for (const part of [
    '/src/backup/dump.ts',
    '/src/expectations/capture.ts',
    '/src/source/managed.ts',
    '/src/backup/snapshot/take.ts',
    '/node_modules/prom-client/',
  ])
    assert.equal(loaded(modules, part), false, `${part} is loaded by the backup command before it is needed`);
});

test('the drill command leaves reporters, ledger and metrics to load while the drill runs', () => {
  const modules = modulesLoadedBy('cli/drill.ts');
  assert.ok(loaded(modules, '/src/drill/drill.ts'), 'sanity: the drill itself is loaded');
  for (const part of [
    '/src/cli/drill-finish.ts',
    '/src/report/write.ts',
    '/src/ledger/run-ledger.ts',
    '/node_modules/junit-report-builder/',
    '/node_modules/prom-client/',
  ])
    assert.equal(loaded(modules, part), false, `${part} is loaded by the drill command before the drill starts`);
});

test('what the drill defers still loads: the finishing step brings the reporters and the ledger', () => {
  const modules = modulesLoadedBy('cli/drill-finish.ts');
  for (const part of ['/src/report/write.ts', '/src/ledger/run-ledger.ts', '/src/evidence/bundle.ts'])
    assert.ok(loaded(modules, part), `${part} is not loaded by the finishing step`);
});
