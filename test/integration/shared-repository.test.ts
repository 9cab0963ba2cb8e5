// Two scenarios sharing one repository: each drill restores only its own backups, never the other's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cli } from '../helpers/cli.ts';
import { latestResult } from '../helpers/results.ts';
import { workspace, dumpScenario } from '../helpers/workspace.ts';
import type { BackupRecord } from '../../src/repository/backup-record.ts';

test("use: latest picks the scenario's own backup though another scenario's is newer; the other's id is refused with exit 2 naming both", async () => {
  const ws = await workspace();
  try {
    const repository = join(ws.dir, 'shared');
    const scenario = (name: string, use?: string): Promise<string> =>
      ws.scenario(
        `${name}${use ? '-use' : ''}.yaml`,
        dumpScenario(ws, {
          name,
          repository,
          transactions: 50,
          checks: '[rowcounts, fingerprints]',
          ...(use ? { use } : {}),
        }),
      );
    const takeA = await cli(['backup', await scenario('shop-a')], { cwd: ws.dir, env: ws.env });
    assert.equal(takeA.exitCode, 0, takeA.stderr);
    const takeB = await cli(['backup', await scenario('shop-b')], { cwd: ws.dir, env: ws.env });
    assert.equal(takeB.exitCode, 0, takeB.stderr);
    const [idA, idB] = [takeA.stdout.trim(), takeB.stdout.trim()];
    assert.ok(idA < idB, "the other scenario's backup is the newest in the repository");
    const recordA = JSON.parse(await readFile(join(repository, 'backups', idA, 'backup.json'), 'utf8')) as BackupRecord;
    assert.equal(recordA.scenario, 'shop-a');
    assert.equal(recordA.source.database, 'app');
    assert.match(
      recordA.source.systemIdentifier ?? '',
      /^\d+$/,
      'a dump records the system identifier when the role may read it',
    );

    const latest = await cli(['drill', await scenario('shop-a', 'latest')], { cwd: ws.dir, env: ws.env });
    assert.equal(latest.exitCode, 0, latest.stderr.slice(-3000));
    const result = await latestResult(join(ws.dir, 'reports'), 'shop-a');
    assert.equal(result.backup?.id, idA, 'its own backup, not the newer one of shop-b');

    const foreign = await cli(
      ['drill', await ws.scenario('shop-a-foreign.yaml', dumpScenario(ws, { name: 'shop-a', repository, use: idB }))],
      { cwd: ws.dir, env: ws.env },
    );
    assert.equal(foreign.exitCode, 2, foreign.stdout + foreign.stderr);
    assert.match(
      foreign.stderr,
      new RegExp(
        `backup ${idB} is another source's: it was taken of scenario "shop-b" \\(managed source, database app, dump\\), this scenario is scenario "shop-a" \\(managed source, database app, dump\\)`,
      ),
    );

    const listed = await cli(['list', await scenario('shop-a')], { cwd: ws.dir, env: ws.env });
    assert.equal(listed.exitCode, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(idA));
    assert.doesNotMatch(listed.stdout, new RegExp(idB));
    assert.match(
      listed.stdout,
      /not shown: 1 backup of other scenarios \(shop-b: 1\); this scenario never restores them/,
    );
    assert.deepEqual(await ws.leftoverDirs(), []);
  } finally {
    await ws.dispose();
  }
});
