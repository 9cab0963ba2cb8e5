// The isolation probe: only loopback is ever named, and the server's report of the program is read right.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { probeOutcome, probeProgram } from '../../../src/checks/isolation.ts';

test('the probe tries 127.0.0.1 on the given port and no other address', () => {
  const program = probeProgram(40123);
  assert.match(program, /\/dev\/tcp\/127\.0\.0\.1\/40123/);
  assert.match(program, /PeerAddr => "127\.0\.0\.1", PeerPort => 40123/);
  const addresses = program.match(/\b\d{1,3}(?:\.\d{1,3}){3}\b/g) ?? [];
  assert.deepEqual([...new Set(addresses)], ['127.0.0.1']);
});

test("COPY's error is read by the program's exit code: 7 unreachable, anything else not probed, none connected", () => {
  assert.deepEqual(probeOutcome(null), { kind: 'connected' });
  const refused = probeOutcome({ message: 'program "..." failed', detail: 'child process exited with exit code 7' });
  assert.equal(refused.kind, 'unreachable');
  assert.equal(
    probeOutcome({ message: 'program "..." failed', detail: 'child process exited with exit code 127' }).kind,
    'not-run',
  );
  assert.equal(
    probeOutcome({
      message:
        'must be superuser or have privileges of the pg_execute_server_program role to COPY to or from an external program',
    }).kind,
    'not-run',
  );
  assert.equal(
    probeOutcome({ message: 'program "..." failed', detail: 'child process exited with exit code 17' }).kind,
    'not-run',
    'a code that merely contains 7 is not unreachable',
  );
});
