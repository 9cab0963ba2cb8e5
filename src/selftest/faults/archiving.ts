// Faults on the way into the archive: a segment offered again under its name, with other content.
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Fault } from '../fault.ts';
import { openEnvironment } from '../../env/environment.ts';
import { sha256File } from '../../repository/manifest.ts';
import { WalArchive } from '../../repository/wal-archive.ts';
import { fail, pass } from '../../run/check.ts';
import { archiveAsServer } from '../inject/archive-command.ts';
import { flipBytes } from '../inject/backup-copy.ts';
import { RecoverableError } from '../../core/errors.ts';

export const archiveOverwrite: Fault = {
  id: 'archive-overwrite',
  family: 'archiving',
  injects:
    "the backup's stop segment offered to the archive command again, same name and size, other content (as a second server archiving into one repository would)",
  reason: /refused .* left the archived segment unchanged/,
  caughtBy: { basebackup: 'archive-wal', snapshot: 'archive-wal' },
  injection: {
    stage: 'archiving',
    async probe(clean, ctx) {
      const physical = clean.backup.record.physical;
      if (!physical || !clean.walDir)
        throw new RecoverableError('fault-not-injectable', `backup ${clean.backup.record.id} has no WAL archive`);
      const name = physical.stopSegment;
      // An archive of its own holding the real segment: the clean repository is never written to.
      const repository = join(ctx.dir, 'repository');
      const archive = new WalArchive(repository, physical.systemIdentifier);
      await mkdir(archive.dir, { recursive: true, mode: 0o755 });
      await copyFile(join(clean.walDir, name), archive.pathOf(name));
      const impostor = join(ctx.dir, 'impostor');
      await copyFile(archive.pathOf(name), impostor);
      const at = await flipBytes(impostor, Buffer.from([0x5a, 0xa5]));
      const before = await sha256File(archive.pathOf(name));
      const started = performance.now();
      const environment = await openEnvironment(
        {
          kind: ctx.environment,
          version: ctx.version,
          mounts: [{ path: ctx.dir, readOnly: false }],
          tools: [],
          runLabel: `selftest-${process.pid}`,
        },
        ctx.log,
      );
      let attempt;
      try {
        attempt = await archiveAsServer(environment.runtime, repository, physical.systemIdentifier, impostor, name);
      } finally {
        await environment.dispose();
      }
      const after = await sha256File(archive.pathOf(name));
      const ms = Math.round(performance.now() - started);
      const kept = before === after;
      const expected = 'refused, archived segment unchanged';
      const actual = `${attempt.accepted ? 'accepted' : `refused (exit ${attempt.exitCode})`}, archived segment ${kept ? 'unchanged' : 'overwritten'}`;
      const said = attempt.output.split('\n')[0] || `exit code ${attempt.exitCode}`;
      const check =
        !attempt.accepted && kept
          ? fail(
              'archive',
              'archive-wal',
              'exact',
              expected,
              actual,
              `the archive command refused ${name} with other content and left the archived segment unchanged (SHA-256 ${before.slice(0, 12)}…): ${said}`,
              ms,
            )
          : pass(
              'archive',
              'archive-wal',
              'exact',
              expected,
              actual,
              `the archive command ${attempt.accepted ? 'accepted' : 'refused'} ${name} with other content; the archived segment is ${kept ? 'unchanged' : `now ${after.slice(0, 12)}…, was ${before.slice(0, 12)}…`}`,
              ms,
            );
      return { injected: `${name} offered with bytes ${at} and ${at + 1} inverted`, checks: [check] };
    },
  },
};
