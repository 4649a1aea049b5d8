import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { SERVICES } from '@wagate/launcher';
import { loadConfig } from '@wagate/runtime';
import { CommonConfig, type ServiceModule } from '@wagate/service-host';
import { unavailable } from '@wagate/test-servers';
import { describe, expect, test } from '@wagate/testing';
import type { HorizontalPodAutoscaler } from 'kubernetes-types/autoscaling/v2';
import type { ConfigMap, Container, Secret, Service } from 'kubernetes-types/core/v1';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1';
import { runtimeStage, stageEnvironment } from './src/dockerfile';
import {
  containerEnvironment,
  K8S_DIR,
  type K8sObject,
  kubectlAvailable,
  NetworkPolicies,
  named,
  ofKind,
  parseYamlDocuments,
  renderKustomization,
  secretValues,
  selects,
  serviceTargets,
  type Workload,
  workloads,
} from './src/manifests';

const OVERLAYS = { dev: 'wagate-dev', production: 'wagate' } as const;
type Overlay = keyof typeof OVERLAYS;

/**
 * After SIGTERM the host runs its shutdown steps and exits by itself at SHUTDOWN_TIMEOUT_MS + 5 s
 * (packages/service-host/src/host.ts); the grace period must cover that, or SIGKILL cuts it short.
 */
const FORCED_EXIT_MARGIN_SECONDS = 5;

/** Variables read by Node itself or by OpenTelemetry's SDK, not by a configuration schema. */
const RUNTIME_VARIABLES = [/^NODE_OPTIONS$/, /^OTEL_[A-Z_]+$/];

/** Values that satisfy the schemas, for the keys of the Secret the manifests reference. */
const SECRET_STAND_INS: Record<string, string> = {
  DATABASE_URL: 'postgres://wagate@db.internal:5432/wagate',
  ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  ADMIN_API_KEY: randomBytes(24).toString('base64url'),
};

const SECRET_TEMPLATE = join(K8S_DIR, 'base/services/secret.template.yaml');

const rendered = new Map<Overlay, K8sObject[]>();

/** The overlay as `kubectl apply -k` sees it; skips (fails under CI) without kubectl. */
function render(overlay: Overlay, context: { skip: (note?: string) => never }): K8sObject[] {
  if (!kubectlAvailable()) {
    unavailable(context, 'kubectl', 'install kubectl (it carries kustomize) to render k8s/');
  }
  let objects = rendered.get(overlay);
  if (!objects) {
    objects = renderKustomization(join(K8S_DIR, 'overlays', overlay));
    rendered.set(overlay, objects);
  }
  return objects;
}

/** The wagate pods of an overlay (not NATS). */
function wagateWorkloads(objects: K8sObject[]): Workload[] {
  return workloads(objects).filter((workload) => workload.podLabels['app.kubernetes.io/name'] === 'wagate');
}

/** The configuration schemas the process of a container parses: its --target's, or migrate's. */
function schemasOf(container: Container): Array<ServiceModule['config']> {
  const command = [...(container.command ?? []), ...(container.args ?? [])];
  if (command.includes('dist/migrate.js')) return [CommonConfig];
  const target = command.find((arg) => arg.startsWith('--target='))?.slice('--target='.length) ?? 'all';
  if (target === 'all') return SERVICES.map((service) => service.config);
  const service = SERVICES.find((candidate) => candidate.name === target);
  if (!service) throw new Error(`${container.name}: unknown target ${target}`);
  return [service.config];
}

/** The environment variables of a container as values its process would parse. */
function environmentValues(objects: K8sObject[], container: Container): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, source] of containerEnvironment(objects, container)) {
    if (source.from === 'secret') {
      const standIn = SECRET_STAND_INS[source.key];
      if (!standIn) throw new Error(`${container.name}: no stand-in for secret key ${source.key}`);
      values[name] = standIn;
    } else if (source.from === 'field') {
      values[name] = 'api-gateway-7d9f8b6c5-x2x7q';
    } else {
      values[name] = source.value;
    }
  }
  return values;
}

/** The configuration a container's process ends up with (defaults applied), as the first schema parses it. */
function parsedConfig(objects: K8sObject[], container: Container): CommonConfig {
  const [schema] = schemasOf(container);
  return loadConfig(schema!, environmentValues(objects, container)) as CommonConfig;
}

function preStopSeconds(container: Container): number {
  const preStop = container.lifecycle?.preStop;
  if (preStop?.sleep) return preStop.sleep.seconds;
  const [program, seconds] = preStop?.exec?.command ?? [];
  return program === 'sleep' ? Number(seconds) : 0;
}

function cpuCores(quantity: string | number | undefined): number {
  if (quantity === undefined) return Number.NaN;
  const text = String(quantity);
  return text.endsWith('m') ? Number(text.slice(0, -1)) / 1000 : Number(text);
}

function memoryBytes(quantity: string | number | undefined): number {
  if (quantity === undefined) return Number.NaN;
  const units: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, k: 1e3, M: 1e6, G: 1e9 };
  const [, number = '', unit = ''] = /^(\d+(?:\.\d+)?)([A-Za-z]*)$/.exec(String(quantity)) ?? [];
  return Number(number) * (unit ? (units[unit] ?? Number.NaN) : 1);
}

function allContainers(workload: Workload): Container[] {
  return [...(workload.spec.initContainers ?? []), ...workload.spec.containers];
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(entry.name) ? [path] : [];
  });
}

describe('k8s/ files', () => {
  test('every YAML file under k8s/ parses', () => {
    const files = yamlFiles(K8S_DIR);
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      expect(() => parseYamlDocuments(readFileSync(file, 'utf8'), relative(K8S_DIR, file))).not.toThrow();
    }
  });

  test('the Secret template holds placeholders only, never a real value', () => {
    const [secret] = parseYamlDocuments(
      readFileSync(SECRET_TEMPLATE, 'utf8'),
      'secret.template.yaml',
    ) as Secret[];
    const values = secretValues(secret!);
    expect(values.map(([key]) => key).sort()).toEqual(Object.keys(SECRET_STAND_INS).sort());
    for (const [key, value] of values) expect(value, key).toMatch(/^<[^<>]+>$/);
  });
});

describe.each(Object.keys(OVERLAYS) as Overlay[])('overlay %s', (overlay) => {
  test('renders with kustomize, every namespaced object in the overlay namespace, no Secret in it', ({
    skip,
  }) => {
    const objects = render(overlay, { skip });
    expect(objects.length).toBeGreaterThan(10);
    for (const object of objects) {
      if (object.kind === 'Namespace') expect(object.metadata.name).toBe(OVERLAYS[overlay]);
      else
        expect(object.metadata.namespace, `${object.kind}/${object.metadata.name}`).toBe(OVERLAYS[overlay]);
    }
    // The Secret is created by the operator (secret.template.yaml shows its keys), never applied from git.
    expect(ofKind(objects, 'Secret')).toEqual([]);
  });

  test('every container image is pinned by a tag other than latest', ({ skip }) => {
    for (const workload of workloads(render(overlay, { skip }))) {
      for (const container of allContainers(workload)) {
        const [, tag] = /:([\w][\w.-]*)(@sha256:[a-f0-9]{64})?$/.exec(container.image ?? '') ?? [];
        expect(tag, `${workload.name}/${container.name}: ${container.image}`).toBeDefined();
        expect(tag).not.toBe('latest');
      }
    }
  });

  test('every wagate pod has a startup and liveness probe on /healthz and a readiness probe on /readyz at its PORT', ({
    skip,
  }) => {
    const objects = render(overlay, { skip });
    const deployments = wagateWorkloads(objects);
    expect(deployments.length).toBeGreaterThan(0);
    for (const { name, spec } of deployments) {
      for (const container of spec.containers) {
        const port = container.ports?.find((candidate) => candidate.name === 'http');
        expect(port?.containerPort, `${name}: containerPort http`).toBe(
          parsedConfig(objects, container).PORT,
        );
        expect(container.startupProbe?.httpGet, name).toMatchObject({ path: '/healthz', port: 'http' });
        expect(container.livenessProbe?.httpGet, name).toMatchObject({ path: '/healthz', port: 'http' });
        expect(container.readinessProbe?.httpGet, name).toMatchObject({ path: '/readyz', port: 'http' });
      }
    }
  });

  test('every container requests CPU and memory and is limited, requests within limits', ({ skip }) => {
    for (const workload of workloads(render(overlay, { skip }))) {
      for (const container of allContainers(workload)) {
        const where = `${workload.name}/${container.name}`;
        const { requests = {}, limits = {} } = container.resources ?? {};
        for (const [request, limit] of [
          [cpuCores(requests.cpu), cpuCores(limits.cpu)],
          [memoryBytes(requests.memory), memoryBytes(limits.memory)],
        ] as const) {
          expect(request, where).toBeGreaterThan(0);
          expect(limit, where).toBeGreaterThanOrEqual(request);
        }
      }
    }
  });

  test('the grace period covers preStop, SHUTDOWN_TIMEOUT_MS and the forced exit; API pods pause before SIGTERM', ({
    skip,
  }) => {
    const objects = render(overlay, { skip });
    for (const { name, spec, podLabels } of wagateWorkloads(objects)) {
      for (const container of spec.containers) {
        const shutdownSeconds = Math.ceil(parsedConfig(objects, container).SHUTDOWN_TIMEOUT_MS / 1000);
        const needed = preStopSeconds(container) + shutdownSeconds + FORCED_EXIT_MARGIN_SECONDS;
        expect(spec.terminationGracePeriodSeconds, name).toBeGreaterThanOrEqual(needed);
        // Load balancers need a moment to drop a terminating pod's endpoint before it stops listening.
        if (podLabels['wagate.io/serves-api'] === 'true')
          expect(preStopSeconds(container), name).toBeGreaterThanOrEqual(3);
      }
    }
  });

  test('every variable a container gets is read by the configuration of what it runs, and parses', ({
    skip,
  }) => {
    const objects = render(overlay, { skip });
    for (const workload of wagateWorkloads(objects)) {
      for (const container of allContainers(workload)) {
        const schemas = schemasOf(container);
        const known = new Set(schemas.flatMap((schema) => Object.keys(schema.shape)));
        const values = environmentValues(objects, container);
        for (const name of Object.keys(values)) {
          const read = known.has(name) || RUNTIME_VARIABLES.some((pattern) => pattern.test(name));
          expect(read, `${workload.name}/${container.name} sets ${name}, which nothing reads`).toBe(true);
        }
        for (const schema of schemas) expect(() => loadConfig(schema, values)).not.toThrow();
        expect(values.HOST, 'containers bind every interface').toBe('0.0.0.0');
      }
    }
  });

  test('processes that run one service get DATABASE_URL and ENCRYPTION_KEY from the Secret template, the gateway its admin key', ({
    skip,
  }) => {
    const objects = render(overlay, { skip });
    const [template] = parseYamlDocuments(
      readFileSync(SECRET_TEMPLATE, 'utf8'),
      'secret.template.yaml',
    ) as Secret[];
    for (const workload of wagateWorkloads(objects)) {
      for (const container of allContainers(workload)) {
        const environment = containerEnvironment(objects, container);
        for (const source of environment.values()) {
          if (source.from !== 'secret') continue;
          expect(source.name).toBe(template!.metadata!.name);
          expect(Object.keys(template!.stringData ?? {})).toContain(source.key);
        }
        const target = container.args?.find((arg) => arg.startsWith('--target='));
        if (!target || target === '--target=all') continue;
        for (const required of ['DATABASE_URL', 'ENCRYPTION_KEY']) {
          expect(environment.get(required)?.from, `${workload.name}: ${required}`).toBe('secret');
        }
        if (target === '--target=api-gateway') expect(environment.get('ADMIN_API_KEY')?.from).toBe('secret');
      }
    }
  });

  test('migrations run once before a pod starts: DB_MIGRATE is off exactly where a migrate init container runs', ({
    skip,
  }) => {
    const objects = render(overlay, { skip });
    for (const workload of wagateWorkloads(objects)) {
      const [main] = workload.spec.containers;
      const config = parsedConfig(objects, main!);
      const migrate = workload.spec.initContainers?.find((container) =>
        [...(container.command ?? []), ...(container.args ?? [])].includes('dist/migrate.js'),
      );
      if (config.DB_MIGRATE) {
        expect(migrate, `${workload.name} migrates in its process`).toBeUndefined();
      } else {
        expect(migrate, `${workload.name} needs a migrate init container`).toBeDefined();
        expect(containerEnvironment(objects, migrate!).get('DATABASE_URL')).toEqual(
          containerEnvironment(objects, main!).get('DATABASE_URL'),
        );
      }
    }
  });

  test('every Service selects pods, on ports their containers name', ({ skip }) => {
    const objects = render(overlay, { skip });
    const pods = workloads(objects);
    for (const service of ofKind<Service>(objects, 'Service')) {
      const selected = pods.filter((pod) => selects(service.spec?.selector, pod.podLabels));
      expect(selected.length, `Service ${service.metadata.name} selects no pods`).toBeGreaterThan(0);
      for (const target of serviceTargets(service)) {
        for (const pod of selected) {
          const ports = pod.spec.containers.flatMap((container) => container.ports ?? []);
          expect(
            ports.some((port) => port.name === target || port.containerPort === target),
            `${service.metadata.name} → ${pod.name}:${target}`,
          ).toBe(true);
        }
      }
    }
  });

  test('NATS_URL names the NATS Service, NATS_REPLICAS the servers, whose configuration routes to each other', ({
    skip,
  }) => {
    const objects = render(overlay, { skip });
    const wagateConfig = ofKind<ConfigMap>(objects, 'ConfigMap').find((configMap) =>
      configMap.metadata.name.startsWith('wagate-config-'),
    );
    const natsConfig = ofKind<ConfigMap>(objects, 'ConfigMap').find((configMap) =>
      configMap.metadata.name.startsWith('nats-config-'),
    );
    const nats = workloads(objects).find((workload) => workload.name === 'nats');
    const natsUrl = new URL(wagateConfig!.data!.NATS_URL!);
    const service = named<Service>(objects, 'Service', natsUrl.hostname);
    expect(selects(service.spec?.selector, nats!.podLabels)).toBe(true);
    expect(service.spec?.ports?.map((port) => port.port)).toContain(Number(natsUrl.port));
    expect(Number(wagateConfig!.data!.NATS_REPLICAS)).toBe(nats!.replicas);
    const routes = natsConfig!.data!['nats.conf']!.match(/nats:\/\/nats-\d+\.nats-headless:6222/g) ?? [];
    expect(routes.length).toBe(nats!.replicas === 1 ? 0 : nats!.replicas);
  });

  test('network: only API pods are open to everyone; wagate pods reach NATS and PostgreSQL; NATS servers reach each other', ({
    skip,
  }) => {
    const objects = render(overlay, { skip });
    const policies = new NetworkPolicies(objects);
    const nats = workloads(objects).find((workload) => workload.name === 'nats')!;
    for (const pod of workloads(objects)) {
      const servesApi = pod.podLabels['wagate.io/serves-api'] === 'true';
      for (const port of pod.spec.containers.flatMap((container) => container.ports ?? [])) {
        for (const portRef of [port.name, port.containerPort]) {
          expect(policies.acceptsFromAnywhere(pod.podLabels, portRef!), `${pod.name}:${portRef}`).toBe(
            servesApi && portRef === 'http',
          );
        }
      }
      expect(policies.isolates(pod.podLabels, 'Egress'), pod.name).toBe(true);
    }
    for (const pod of wagateWorkloads(objects)) {
      expect(
        policies.allowsPodTraffic('Egress', pod.podLabels, nats.podLabels, 4222),
        `${pod.name} → NATS`,
      ).toBe(true);
      expect(
        policies.allowsPodTraffic('Ingress', nats.podLabels, pod.podLabels, 4222),
        `NATS ← ${pod.name}`,
      ).toBe(true);
      expect(policies.allowsEgressOutside(pod.podLabels, 5432), `${pod.name} → PostgreSQL`).toBe(true);
    }
    expect(policies.allowsPodTraffic('Egress', nats.podLabels, nats.podLabels, 6222)).toBe(true);
    expect(policies.allowsPodTraffic('Ingress', nats.podLabels, nats.podLabels, 6222)).toBe(true);
  });
});

describe('overlay production', () => {
  test('the four services run as Deployments, each with its own --target, behind a PodDisruptionBudget', ({
    skip,
  }) => {
    const objects = render('production', { skip });
    const budgets = ofKind<PodDisruptionBudget>(objects, 'PodDisruptionBudget');
    for (const service of SERVICES) {
      const deployment = wagateWorkloads(objects).find((workload) => workload.name === service.name);
      expect(deployment?.kind, service.name).toBe('Deployment');
      expect(deployment!.spec.containers[0]!.args).toEqual([`--target=${service.name}`]);
      const budget = budgets.filter((candidate) =>
        selects(candidate.spec?.selector?.matchLabels, deployment!.podLabels),
      );
      expect(budget, `${service.name}: one PodDisruptionBudget`).toHaveLength(1);
      expect(budget[0]!.spec?.maxUnavailable).toBe(1);
    }
  });

  test('the gateway scales on CPU, the workers on CPU and memory and shrink slowly; the autoscaler alone sets replicas', ({
    skip,
  }) => {
    const objects = render('production', { skip });
    const autoscalers = ofKind<HorizontalPodAutoscaler>(objects, 'HorizontalPodAutoscaler');
    const resourcesOf = (name: string) =>
      autoscalers
        .find((autoscaler) => autoscaler.spec?.scaleTargetRef.name === name)
        ?.spec?.metrics?.map((metric) => metric.resource?.name)
        .sort();
    expect(resourcesOf('api-gateway')).toEqual(['cpu']);
    expect(resourcesOf('session-worker')).toEqual(['cpu', 'memory']);

    const workers = autoscalers.find(
      (autoscaler) => autoscaler.spec?.scaleTargetRef.name === 'session-worker',
    )!;
    const scaleDown = workers.spec!.behavior!.scaleDown!;
    expect(scaleDown.stabilizationWindowSeconds).toBeGreaterThanOrEqual(600);
    expect(scaleDown.policies).toEqual([{ type: 'Pods', value: 1, periodSeconds: expect.any(Number) }]);
    const worker = wagateWorkloads(objects).find((workload) => workload.name === 'session-worker')!;
    const config = parsedConfig(objects, worker.spec.containers[0]!);
    expect(workers.spec!.maxReplicas).toBeLessThanOrEqual(config.PARTITIONS);

    for (const autoscaler of autoscalers) {
      const target = wagateWorkloads(objects).find(
        (workload) => workload.name === autoscaler.spec?.scaleTargetRef.name,
      );
      expect(target, autoscaler.metadata.name).toBeDefined();
      expect(target!.replicas, `${target!.name} leaves replicas to its autoscaler`).toBeUndefined();
      expect(autoscaler.spec!.minReplicas).toBeGreaterThanOrEqual(2);
    }
  });
});

describe('overlay dev', () => {
  test('one pod runs every service on a volume at the image DATA_DIR, replaced with Recreate, next to one NATS server', ({
    skip,
  }) => {
    const objects = render('dev', { skip });
    const [monolith, ...others] = wagateWorkloads(objects);
    expect(others).toEqual([]);
    expect(monolith!.spec.containers[0]!.args).toEqual(['--target=all']);
    expect(monolith!.replicas).toBe(1);
    expect(
      named<{ spec: { strategy: { type: string } } }>(objects, 'Deployment', monolith!.name).spec.strategy
        .type,
    ).toBe('Recreate');
    const dataDir = stageEnvironment(runtimeStage()).DATA_DIR;
    const volume = monolith!.spec.containers[0]!.volumeMounts?.find((mount) => mount.mountPath === dataDir);
    const claim = monolith!.spec.volumes?.find(
      (candidate) => candidate.name === volume?.name,
    )?.persistentVolumeClaim;
    expect(claim?.claimName).toBeDefined();
    named(objects, 'PersistentVolumeClaim', claim!.claimName);
    expect(workloads(objects).find((workload) => workload.name === 'nats')?.replicas).toBe(1);
  });
});
