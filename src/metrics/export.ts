// Where drill metrics go: a textfile for node_exporter's textfile collector, and a Pushgateway.
import { dirname } from 'node:path';
import { Pushgateway, type Registry } from 'prom-client';
import { EnvironmentError, UsageError } from '../core/errors.ts';
import { writeFileAtomic } from '../repository/durable.ts';

/** The job name drills push under. */
export const PUSH_JOB = 'recoverable';
const PUSH_TIMEOUT_MS = 10_000;

/** Refuse a metrics file or Pushgateway URL that cannot work, before a drill starts (exit 2). */
export function checkMetricsTargets(file: string | null, pushgateway: string | null): void {
  if (file !== null && !file.endsWith('.prom'))
    throw new UsageError(`--metrics-file ${file} does not end in .prom`, {
      hint: "node_exporter's textfile collector reads only *.prom files",
    });
  if (pushgateway !== null && withoutCredentials(pushgateway) === null) {
    // The value is not echoed: a mistyped URL may still hold credentials.
    throw new UsageError('--pushgateway is not an http(s) URL', {
      hint: 'e.g. --pushgateway http://pushgateway.example:9091',
    });
  }
}

/** Write the registry as a textfile atomically (temp + rename in the same directory, as node_exporter requires). */
export async function writeMetricsFile(registry: Registry, file: string): Promise<void> {
  checkMetricsTargets(file, null);
  const text = await registry.metrics();
  await writeFileAtomic(file, text).catch((cause: unknown) => {
    throw new EnvironmentError(
      'metrics-write-failed',
      `could not write the metrics file ${file}: ${(cause as Error).message}`,
      { cause, hint: `check that ${dirname(file)} exists and is writable` },
    );
  });
}

/** Replace the scenario's group on a Pushgateway (PUT /metrics/job/recoverable/scenario/<name>). */
export async function pushMetrics(registry: Registry, gatewayUrl: string, scenario: string): Promise<void> {
  checkMetricsTargets(null, gatewayUrl);
  const shown = withoutCredentials(gatewayUrl) ?? '';
  const gateway = new Pushgateway(gatewayUrl, { timeout: PUSH_TIMEOUT_MS }, registry);
  await gateway.push({ jobName: PUSH_JOB, groupings: { scenario } }).catch((cause: unknown) => {
    throw new EnvironmentError(
      'metrics-push-failed',
      `could not push metrics of ${scenario} to ${shown}: ${(cause as Error).message}`,
      { cause, hint: 'check the Pushgateway URL and that it is reachable' },
    );
  });
}

// The URL with any user:password removed, for messages; null when it is not http(s).
function withoutCredentials(url: string): string | null {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return null;
  }
}
