// .ci/debian-mirror.sh reads the mirror from apt's sources, in both formats, against fake /etc/apt trees.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { ROOT } from '../../helpers/cli.ts';

const root = await mkdtemp(join(tmpdir(), 'recoverable-apt-'));
after(() => rm(root, { recursive: true, force: true }));
let count = 0;

// Run the script against an apt directory holding `files`.
async function mirrorOf(files: Record<string, string>): Promise<{ mirror: string; stderr: string }> {
  const etc = join(root, String(count++));
  await mkdir(join(etc, 'sources.list.d'), { recursive: true });
  for (const [name, text] of Object.entries(files)) await writeFile(join(etc, name), text);
  const run = spawnSync('bash', [join(ROOT, '.ci/debian-mirror.sh')], {
    env: { PATH: process.env.PATH ?? '', APT_ETC: etc },
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, run.stderr);
  return { mirror: run.stdout.trim(), stderr: run.stderr };
}

test('deb822: the main archive, past comments, disabled stanzas, the security archive and other vendors', async () => {
  const { mirror, stderr } = await mirrorOf({
    'sources.list.d/debian.sources': `Types: deb
URIs: http://disabled.example/debian
Suites: bookworm
Components: main
Enabled: no

Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main

Types: deb deb-src
# a snapshot, once: http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://mirror.example/debian/ http://second.example/debian
Suites: bookworm bookworm-updates
Components: main contrib
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
`,
    'sources.list.d/a-vendor.sources':
      'Types: deb\nURIs: https://deb.nodesource.com/node_20.x\nSuites: nodistro\nComponents: main\n',
  });
  assert.equal(mirror, 'http://mirror.example/debian');
  assert.equal(stderr, '');
});

test('one-line format: options in brackets, deb-src and comments skipped; sources.list before sources.list.d', async () => {
  const { mirror } = await mirrorOf({
    'sources.list': `# deb http://commented.example/debian bookworm main
deb-src http://src.example/debian bookworm main
deb https://packages.cloud.google.com/apt cloud-sdk-bookworm main
deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://ftp.fr.debian.org/debian bookworm main non-free-firmware
`,
    'sources.list.d/later.list': 'deb http://later.example/debian bookworm main\n',
  });
  assert.equal(mirror, 'http://ftp.fr.debian.org/debian');
});

test('a .list in sources.list.d counts; other file names (disabled ones) do not', async () => {
  const { mirror } = await mirrorOf({
    'sources.list.d/debian.list.disabled': 'deb http://disabled.example/debian bookworm main\n',
    'sources.list.d/debian.list': 'deb http://local-mirror.example:3142/debian trixie main\n',
  });
  assert.equal(mirror, 'http://local-mirror.example:3142/debian');
});

test('no Debian archive at all: deb.debian.org, said on stderr', async () => {
  const { mirror, stderr } = await mirrorOf({
    'sources.list.d/vendor.list': 'deb https://deb.nodesource.com/node_20.x nodistro main\n',
  });
  assert.equal(mirror, 'http://deb.debian.org/debian');
  assert.match(stderr, /no Debian main archive in .*: using http:\/\/deb\.debian\.org\/debian/);
});

const debianHost = existsSync('/etc/os-release') && /^ID=debian$/m.test(readFileSync('/etc/os-release', 'utf8'));

test(
  "this machine's own apt sources name a mirror without falling back",
  { skip: debianHost ? false : "not a Debian host (the project's machines are Debian 12)" },
  async () => {
    const run = spawnSync('bash', [join(ROOT, '.ci/debian-mirror.sh')], { encoding: 'utf8' });
    assert.equal(run.status, 0);
    assert.match(run.stdout.trim(), /^https?:\/\/\S+$/);
    assert.equal(run.stderr, '', 'found in /etc/apt, not the fallback');
  },
);
