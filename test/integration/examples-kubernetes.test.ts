// The Kubernetes recipe: every manifest validates against the Kubernetes API schemas, the kustomization lists them
// all, the scenario in the ConfigMap loads with Recoverable's own loader, and the workload wiring holds together.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { CronJob, Job } from 'kubernetes-models/batch/v1';
import { ConfigMap, PersistentVolumeClaim } from 'kubernetes-models/v1';
import type { IPodSpec } from 'kubernetes-models/v1';
import { ROOT } from '../helpers/cli.ts';
import { loadScenario } from '../../src/scenario/load.ts';
import { TOOL_VERSION } from '../../src/core/tool-version.ts';

const DIR = join(ROOT, 'examples', 'kubernetes');
type Manifest = { apiVersion: string; kind: string; metadata: { name: string } } & Record<string, unknown>;

// Each kind the recipe uses, validated by the generated models of the Kubernetes OpenAPI schemas.
const MODELS: Record<string, (m: Manifest) => { validate(): void }> = {
  'v1/PersistentVolumeClaim': (m) => new PersistentVolumeClaim(m as never),
  'v1/ConfigMap': (m) => new ConfigMap(m as never),
  'batch/v1/CronJob': (m) => new CronJob(m as never),
  'batch/v1/Job': (m) => new Job(m as never),
};

async function manifests(): Promise<Map<string, Manifest>> {
  const byFile = new Map<string, Manifest>();
  for (const file of (await readdir(DIR)).filter((f) => f.endsWith('.yaml')).sort()) {
    const docs = parseAllDocuments(await readFile(join(DIR, file), 'utf8'));
    assert.equal(docs.length, 1, `${file}: one document per file`);
    assert.deepEqual(docs[0]!.errors, [], `${file} parses`);
    byFile.set(file, docs[0]!.toJS() as Manifest);
  }
  return byFile;
}

function podSpecs(all: Map<string, Manifest>): Array<[string, IPodSpec]> {
  const specs: Array<[string, IPodSpec]> = [];
  for (const [file, m] of all) {
    if (m.kind === 'CronJob') specs.push([file, (m as unknown as CronJob).spec!.jobTemplate.spec!.template.spec!]);
    if (m.kind === 'Job') specs.push([file, (m as unknown as Job).spec!.template.spec!]);
  }
  return specs;
}

test('every manifest validates against the Kubernetes schemas, and the kustomization lists exactly them', async () => {
  const all = await manifests();
  const kustomization = all.get('kustomization.yaml');
  assert.ok(kustomization, 'kustomization.yaml exists');
  all.delete('kustomization.yaml');
  assert.deepEqual([...(kustomization as unknown as { resources: string[] }).resources].sort(), [...all.keys()].sort());
  for (const [file, manifest] of all) {
    const model = MODELS[`${manifest.apiVersion}/${manifest.kind}`];
    assert.ok(model, `${file}: ${manifest.apiVersion} ${manifest.kind} is a kind this test knows`);
    assert.doesNotThrow(() => model(manifest).validate(), `${file} validates`);
  }
  // The validator is not a rubber stamp: a broken CronJob fails it.
  const broken = structuredClone(all.get('cronjob-orders.yaml')!) as Manifest & { spec: Record<string, unknown> };
  broken.spec.schedule = 230;
  assert.throws(() => MODELS['batch/v1/CronJob']!(broken).validate(), /schedule/);
});

test("the workloads run the image's unprivileged user, read the scenario they name, the password from a Secret, and keep the repository on the claim", async () => {
  const all = await manifests();
  const configMap = all.get('scenarios-configmap.yaml') as unknown as ConfigMap;
  const claim = all.get('repository-pvc.yaml')!.metadata.name;
  const specs = podSpecs(all);
  assert.equal(specs.length, 2, 'a CronJob and a one-off Job');
  for (const [file, spec] of specs) {
    assert.equal(spec.securityContext?.runAsNonRoot, true, file);
    assert.equal(spec.securityContext?.runAsUser, 1000, `${file}: the uid the image's user has`);
    assert.equal(spec.restartPolicy, 'Never', `${file}: a failed drill is a finding, not a pod to restart`);
    const container = spec.containers[0]!;
    assert.equal(container.image, `recoverable:${TOOL_VERSION}`, `${file}: the tag docker/build.sh gives this version`);
    const [command, scenarioPath] = container.args ?? [];
    assert.equal(command, 'drill', file);
    const mount = container.volumeMounts?.find((m) => scenarioPath?.startsWith(`${m.mountPath}/`));
    assert.ok(mount, `${file}: ${scenarioPath} is on a mounted volume`);
    const volume = spec.volumes?.find((v) => v.name === mount.name);
    assert.equal(volume?.configMap?.name, configMap.metadata?.name, `${file}: the scenario comes from the ConfigMap`);
    assert.ok(
      configMap.data?.[scenarioPath!.slice(mount.mountPath.length + 1)],
      `${file}: the ConfigMap has the key it reads`,
    );
    const password = container.env?.find((e) => e.name === 'SOURCE_PASSWORD');
    assert.ok(password?.valueFrom?.secretKeyRef?.name, `${file}: the password comes from a Secret`);
    const repository = spec.volumes?.find((v) => v.persistentVolumeClaim?.claimName === claim);
    assert.equal(
      container.volumeMounts?.find((m) => m.name === repository?.name)?.mountPath,
      '/repository',
      `${file}: the repository is on the claim`,
    );
    const work = container.env?.find((e) => e.name === 'RECOVERABLE_WORK_DIR')?.value;
    assert.ok(
      work && container.volumeMounts?.some((m) => m.mountPath === work),
      `${file}: the work directory is a mounted volume`,
    );
  }
});

test("the scenario in the ConfigMap loads with Recoverable's own loader, its password only from the environment", async () => {
  const all = await manifests();
  const data = (all.get('scenarios-configmap.yaml') as unknown as ConfigMap).data ?? {};
  const dir = await mkdtemp(join(tmpdir(), 'k8s-scenario-'));
  try {
    for (const [key, text] of Object.entries(data)) {
      assert.ok(!/password\s*[:=]\s*[^$\s]/i.test(text), `${key}: no literal password`);
      await writeFile(join(dir, key), text);
      const scenario = await loadScenario(join(dir, key), { cwd: dir, env: { SOURCE_PASSWORD: 'from-the-secret' } });
      assert.equal(scenario.repository, '/repository', `${key}: the repository is the claim's mount`);
      assert.ok(scenario.report.dir.startsWith('/repository/'), `${key}: reports are kept on the claim`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
