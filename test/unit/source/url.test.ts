// A url source: the password reaches the server and the tools' PGPASSWORD, never a connection string, a description or an
// error. The server here is a few lines of the wire protocol in this process (no PostgreSQL): it asks for a cleartext
// password, records what it was sent, and answers the version query.
import { guardOptions } from '../../../src/expectations/session.ts';
import { test } from 'node:test';
import pg from 'pg';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { openUrlSource } from '../../../src/source/url.ts';
import { EnvironmentError, ExitCode, ScenarioError } from '../../../src/core/errors.ts';
import { exitCodeOf } from '../../../src/cli/exit-code.ts';

interface Heard {
  startup: Record<string, string>;
  passwords: string[];
}

// A message of the server: its type byte, its length, its body.
const message = (type: string, body: Buffer): Buffer => {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
};
const int32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const int16 = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
};
const cstring = (s: string): Buffer => Buffer.from(`${s}\0`, 'utf8');
const READY = message('Z', Buffer.from('I'));

// The answer to the version query: two text columns, one row.
function versionRows(version: string, number: string): Buffer {
  const field = (name: string): Buffer =>
    Buffer.concat([cstring(name), int32(0), int16(0), int32(25), int16(-1), int32(-1), int16(0)]);
  const value = (text: string): Buffer => Buffer.concat([int32(Buffer.byteLength(text)), Buffer.from(text)]);
  return Buffer.concat([
    message('T', Buffer.concat([int16(2), field('v'), field('n')])),
    message('D', Buffer.concat([int16(2), value(version), value(number)])),
    message('C', cstring('SELECT 1')),
    READY,
  ]);
}

async function fakeServer(
  behaviour: { refuseOptions?: boolean } = {},
): Promise<{ server: Server; port: number; heard: Heard }> {
  const heard: Heard = { startup: {}, passwords: [] };
  const server = createServer((socket) => {
    let pending = Buffer.alloc(0);
    let started = false;
    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        if (!started) {
          if (pending.length < 4 || pending.length < pending.readInt32BE(0)) return;
          const length = pending.readInt32BE(0);
          const fields = pending
            .subarray(8, length - 1)
            .toString('utf8')
            .split('\0');
          heard.startup = {};
          for (let i = 0; i + 1 < fields.length; i += 2) heard.startup[fields[i]!] = fields[i + 1]!;
          pending = pending.subarray(length);
          started = true;
          // As PgBouncer answers a startup parameter it does not track.
          if (behaviour.refuseOptions && heard.startup.options !== undefined) {
            const fields = ['SFATAL', 'C08P01', 'Munsupported startup parameter: options'].map(cstring);
            socket.end(message('E', Buffer.concat([...fields, Buffer.from([0])])));
            return;
          }
          socket.write(message('R', int32(3)));
          continue;
        }
        if (pending.length < 5 || pending.length < 1 + pending.readInt32BE(1)) return;
        const type = pending.toString('latin1', 0, 1);
        const body = pending.subarray(5, 1 + pending.readInt32BE(1));
        pending = pending.subarray(1 + pending.readInt32BE(1));
        if (type === 'p') {
          heard.passwords.push(body.subarray(0, -1).toString('utf8'));
          socket.write(
            Buffer.concat([
              message('R', int32(0)),
              message('S', Buffer.concat([cstring('server_version'), cstring('15.14')])),
              READY,
            ]),
          );
        } else if (type === 'Q') socket.write(versionRows('15.14', '150014'));
        else if (type === 'X') socket.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, heard };
}

// The options node-postgres would send for a config (a URL's own options override the config's there).
function optionsSent(config: pg.ClientConfig): string | undefined {
  return (new pg.Client(config) as unknown as { connectionParameters: { options?: string } }).connectionParameters
    .options;
}

// A port on which nothing listens: bound once, then released.
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('a URL with a percent-encoded password: the server gets it decoded, the tools through PGPASSWORD, nothing else sees it', async (t) => {
  const { server, port, heard } = await fakeServer();
  t.after(() => server.close());
  const source = await openUrlSource(`postgresql://alice:p%40ss%20w%3Ard@127.0.0.1:${port}/shop`);
  // The version probe, then a session with the guards as startup options: the same decoded password each time.
  assert.deepEqual(heard.passwords, ['p@ss w:rd', 'p@ss w:rd']);
  assert.deepEqual([heard.startup.user, heard.startup.database], ['alice', 'shop']);
  assert.equal(heard.startup.options, guardOptions(15));
  assert.equal(optionsSent(source.clientConfig()), guardOptions(15));
  assert.deepEqual([source.kind, source.database, source.major, source.serverVersion], ['url', 'shop', 15, '15.14']);
  // The tools get the guards in the string itself: libpq prefers a string's options to PGOPTIONS.
  assert.deepEqual(source.toolEnv(), { PGPASSWORD: 'p@ss w:rd' });
  const guards = encodeURIComponent(guardOptions(15));
  assert.equal(source.conninfo(), `postgresql://alice@127.0.0.1:${port}/shop?options=${guards}`);
  assert.equal(source.conninfo('other db'), `postgresql://alice@127.0.0.1:${port}/other%20db?options=${guards}`);
  assert.equal(source.describe(), `PostgreSQL 15.14 at postgresql://alice@127.0.0.1:${port}/shop`);
  for (const text of [source.conninfo(), source.describe()]) assert.ok(!/p%40ss|p@ss/.test(text), text);
  await source.dispose();
});

test('a conninfo with a quoted password: the server gets it unquoted; the conninfo the tools get has none', async (t) => {
  const { server, port, heard } = await fakeServer();
  t.after(() => server.close());
  const source = await openUrlSource(`host=127.0.0.1 port=${port} user=alice dbname=shop password=' it\\'s a secret '`);
  assert.deepEqual(heard.passwords, [" it's a secret ", " it's a secret "], 'spaces at either end are part of it');
  assert.equal(heard.startup.database, 'shop');
  assert.deepEqual(source.toolEnv(), { PGPASSWORD: " it's a secret " });
  assert.equal(
    source.conninfo(),
    `host='127.0.0.1' port='${port}' user='alice' options='${guardOptions(15).replace(/\\/g, '\\\\')}' dbname='shop'`,
  );
  assert.ok(!source.describe().includes('secret'), source.describe());
});

test("a string's own startup options stay, and the guards follow them so they win, in sessions and tools alike", async (t) => {
  const { server, port, heard } = await fakeServer();
  t.after(() => server.close());
  const own = '-c statement_timeout=300ms -c search_path=shop';
  const merged = `${own} ${guardOptions(15)}`;
  const url = await openUrlSource(`postgresql://alice@127.0.0.1:${port}/shop?options=${encodeURIComponent(own)}`);
  assert.equal(heard.startup.options, merged, 'the session the source opened');
  assert.equal(optionsSent(url.clientConfig()), merged);
  assert.equal(url.conninfo(), `postgresql://alice@127.0.0.1:${port}/shop?options=${encodeURIComponent(merged)}`);
  assert.deepEqual(url.toolEnv(), {});
  const conninfo = await openUrlSource(`host=127.0.0.1 port=${port} user=alice dbname=shop options='${own}'`);
  assert.equal(heard.startup.options, merged);
  assert.equal(optionsSent(conninfo.clientConfig()), merged);
  const quoted = merged.replace(/\\/g, '\\\\');
  assert.equal(conninfo.conninfo(), `host='127.0.0.1' port='${port}' user='alice' options='${quoted}' dbname='shop'`);
});

test('a pooler that refuses startup options: the source still opens, its sessions and tools without the guards', async (t) => {
  const { server, port, heard } = await fakeServer({ refuseOptions: true });
  t.after(() => server.close());
  const source = await openUrlSource(`postgresql://alice:pw@127.0.0.1:${port}/shop`);
  assert.equal(heard.startup.options, guardOptions(15), 'the guards were offered');
  assert.equal(optionsSent(source.clientConfig()), undefined);
  assert.equal(source.conninfo(), `postgresql://alice@127.0.0.1:${port}/shop`);
  assert.deepEqual(source.toolEnv(), { PGPASSWORD: 'pw' });
});

test('a server that cannot be reached: exit 3, the connection string named with its password masked', async () => {
  const port = await closedPort();
  for (const [text, secret] of [
    [`postgresql://alice:hunter2@127.0.0.1:${port}/shop`, 'hunter2'],
    [`host=127.0.0.1 port=${port} password='hunter 2'`, 'hunter 2'],
  ] as const) {
    await assert.rejects(openUrlSource(text), (error: unknown) => {
      assert.ok(error instanceof EnvironmentError, String(error));
      assert.deepEqual([error.code, exitCodeOf(error.category)], ['source-unreachable', ExitCode.environment]);
      assert.match(error.message, new RegExp(`^cannot connect to the source .*127\\.0\\.0\\.1.*${port}`));
      assert.ok(error.message.includes('***') && !error.message.includes(secret), error.message);
      assert.match(error.hint ?? '', /password is in the environment variable the scenario names/);
      return true;
    });
  }
});

test('a malformed connection string: exit 2 at source.url, before any connection, without the password', async () => {
  await assert.rejects(openUrlSource('postgresql://alice:hunter2@db:99999/shop'), (error: unknown) => {
    assert.ok(error instanceof ScenarioError, String(error));
    assert.equal(exitCodeOf(error.category), ExitCode.usage);
    assert.equal(error.issues[0]?.path, 'source.url');
    assert.match(error.message, /^source\.url: the port "99999" is not a number from 1 to 65535/);
    assert.ok(!error.message.includes('hunter2'));
    return true;
  });
});
