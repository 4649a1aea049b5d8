import { execFileSync, spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Deployment, StatefulSet } from 'kubernetes-types/apps/v1';
import type { ConfigMap, Container, PodSpec, Secret, Service } from 'kubernetes-types/core/v1';
import type { NetworkPolicy, NetworkPolicyPort } from 'kubernetes-types/networking/v1';
import { parseAllDocuments } from 'yaml';

export const REPOSITORY_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const K8S_DIR = join(REPOSITORY_ROOT, 'k8s');

/** Any Kubernetes object, narrowed by `kind` where a test needs its fields. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/** Whether `kubectl` (which carries kustomize as `kubectl kustomize`) is on the PATH. */
export function kubectlAvailable(): boolean {
  return spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;
}

/**
 * The objects a kustomization produces, exactly as `kubectl apply -k <dir>` would send them.
 *
 * @example
 * const objects = renderKustomization(join(K8S_DIR, 'overlays/production'));
 */
export function renderKustomization(dir: string): K8sObject[] {
  const output = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
  return parseYamlDocuments(output, dir);
}

/** Every document of a YAML stream; a syntax error names the source. */
export function parseYamlDocuments(text: string, source: string): K8sObject[] {
  return parseAllDocuments(text).flatMap((document) => {
    if (document.errors.length > 0) {
      throw new Error(`${source}: ${document.errors.map((error) => error.message).join('; ')}`);
    }
    const value = document.toJS() as K8sObject | null;
    return value ? [value] : [];
  });
}

/** The objects of one kind. */
export function ofKind<T>(objects: K8sObject[], kind: string): Array<T & K8sObject> {
  return objects.filter((object) => object.kind === kind) as Array<T & K8sObject>;
}

/** The one object of a kind and name; fails the test when absent. */
export function named<T>(objects: K8sObject[], kind: string, name: string): T & K8sObject {
  const found = ofKind<T>(objects, kind).find((object) => object.metadata.name === name);
  if (!found) throw new Error(`no ${kind} named ${name} among the rendered objects`);
  return found;
}

/** The pods a workload runs: its name and pod spec, with the labels of its pod template. */
export interface Workload {
  kind: 'Deployment' | 'StatefulSet';
  name: string;
  podLabels: Record<string, string>;
  spec: PodSpec;
  replicas?: number;
}

/** The Deployments and StatefulSets among the objects, as the pods they run. */
export function workloads(objects: K8sObject[]): Workload[] {
  return objects.flatMap((object) => {
    if (object.kind !== 'Deployment' && object.kind !== 'StatefulSet') return [];
    const { spec } = object as K8sObject & (Deployment | StatefulSet);
    return [
      {
        kind: object.kind,
        name: object.metadata.name,
        podLabels: spec?.template.metadata?.labels ?? {},
        spec: spec!.template.spec!,
        replicas: spec?.replicas,
      },
    ];
  });
}

/** Whether every label of a selector is on the pod. */
export function selects(
  selector: Record<string, string> | undefined,
  labels: Record<string, string>,
): boolean {
  return Object.entries(selector ?? {}).every(([key, value]) => labels[key] === value);
}

/** Where one environment variable of a container comes from. */
export type EnvSource =
  | { from: 'value'; value: string }
  | { from: 'configMap'; name: string; value: string }
  | { from: 'secret'; name: string; key: string }
  | { from: 'field'; path: string };

/**
 * The environment a container gets: its ConfigMaps and Secrets (envFrom) first, then `env`, which
 * wins, as the kubelet builds it. Secret values are not resolved (no Secret is rendered); the
 * source says which key of which Secret.
 */
export function containerEnvironment(objects: K8sObject[], container: Container): Map<string, EnvSource> {
  const environment = new Map<string, EnvSource>();
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) {
      const configMap = named<ConfigMap>(objects, 'ConfigMap', source.configMapRef.name!);
      for (const [name, value] of Object.entries(configMap.data ?? {})) {
        environment.set(name, { from: 'configMap', name: configMap.metadata.name, value });
      }
    }
    if (source.secretRef)
      throw new Error(`${container.name}: envFrom a whole Secret hides which keys it sets`);
  }
  for (const variable of container.env ?? []) {
    const secret = variable.valueFrom?.secretKeyRef;
    const field = variable.valueFrom?.fieldRef;
    if (secret) environment.set(variable.name, { from: 'secret', name: secret.name!, key: secret.key });
    else if (field) environment.set(variable.name, { from: 'field', path: field.fieldPath });
    else environment.set(variable.name, { from: 'value', value: variable.value ?? '' });
  }
  return environment;
}

/** A Service's port and the container port it reaches, by name or number. */
export function serviceTargets(service: Service): Array<string | number> {
  return (service.spec?.ports ?? []).map((port) => port.targetPort ?? port.port);
}

/** The pods' network traffic a set of NetworkPolicies allows, for the questions the tests ask. */
export class NetworkPolicies {
  private readonly policies: NetworkPolicy[];

  constructor(objects: K8sObject[]) {
    this.policies = ofKind<NetworkPolicy>(objects, 'NetworkPolicy');
  }

  private selecting(labels: Record<string, string>, type: 'Ingress' | 'Egress'): NetworkPolicy[] {
    return this.policies.filter(
      (policy) =>
        (policy.spec?.policyTypes ?? ['Ingress']).includes(type) &&
        selects(policy.spec?.podSelector.matchLabels, labels),
    );
  }

  /** Whether some policy isolates the pod in this direction (no policy: everything is allowed). */
  isolates(labels: Record<string, string>, type: 'Ingress' | 'Egress'): boolean {
    return this.selecting(labels, type).length > 0;
  }

  /** Whether the pod accepts connections on a port from any address at all, e.g. from outside. */
  acceptsFromAnywhere(labels: Record<string, string>, port: string | number): boolean {
    if (!this.isolates(labels, 'Ingress')) return true;
    return this.selecting(labels, 'Ingress').some((policy) =>
      (policy.spec?.ingress ?? []).some(
        (rule) =>
          allowsPort(rule.ports, port) &&
          (!rule.from ||
            rule.from.some((peer) => peer.ipBlock?.cidr === '0.0.0.0/0' && !peer.ipBlock.except)),
      ),
    );
  }

  /**
   * Whether traffic on a port between the pod (`labels`) and pods of its namespace (`peerLabels`) is
   * allowed in one direction: Egress from the pod to the peer, Ingress to the pod from the peer.
   */
  allowsPodTraffic(
    type: 'Ingress' | 'Egress',
    labels: Record<string, string>,
    peerLabels: Record<string, string>,
    port: number,
  ): boolean {
    if (!this.isolates(labels, type)) return true;
    return this.selecting(labels, type).some((policy) => {
      const rules =
        type === 'Ingress'
          ? (policy.spec?.ingress ?? []).map((rule) => ({ ports: rule.ports, peers: rule.from }))
          : (policy.spec?.egress ?? []).map((rule) => ({ ports: rule.ports, peers: rule.to }));
      return rules.some(
        ({ ports, peers }) =>
          allowsPort(ports, port) &&
          (!peers ||
            peers.some(
              (peer) =>
                !peer.namespaceSelector &&
                !peer.ipBlock &&
                selects(peer.podSelector?.matchLabels, peerLabels),
            )),
      );
    });
  }

  /** Whether the pod may connect to a port on addresses outside the cluster (any `to`, or none). */
  allowsEgressOutside(labels: Record<string, string>, port: number): boolean {
    if (!this.isolates(labels, 'Egress')) return true;
    return this.selecting(labels, 'Egress').some((policy) =>
      (policy.spec?.egress ?? []).some(
        (rule) => allowsPort(rule.ports, port) && (!rule.to || rule.to.some((peer) => peer.ipBlock)),
      ),
    );
  }
}

function allowsPort(ports: NetworkPolicyPort[] | undefined, port: string | number): boolean {
  return (
    !ports ||
    ports.length === 0 ||
    ports.some((allowed) => allowed.port === undefined || allowed.port === port)
  );
}

/** The keys and values of a Secret, `data` decoded. */
export function secretValues(secret: Secret): Array<[string, string]> {
  const decoded = Object.entries(secret.data ?? {}).map(
    ([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')] as [string, string],
  );
  return [...Object.entries(secret.stringData ?? {}), ...decoded];
}
