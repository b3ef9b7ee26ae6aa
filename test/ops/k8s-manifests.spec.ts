// Renders every Kustomize overlay with `kubectl kustomize` (no cluster needed), validates each
// object against the Kubernetes OpenAPI schemas (kubernetes-models) and against the API's field
// list (unknown fields), and checks the properties the deployment relies on.
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import type { IContainer, IPodSpec, IProbe } from 'kubernetes-models/v1';

import { loadConfig } from '@server/config/app-config';
import {
  findKubectl,
  K8sObject,
  listOverlays,
  prepareTree,
  render,
  TEST_DB_PASSWORD,
  tryRender,
} from '@test/support/kustomize';

import {
  APP_PORT,
  KNOWN_ENV,
  LIVE_PATH,
  METRICS_PATH,
  READY_PATH,
  SECRET_ENV,
} from './support/app-contract';
import { describeObject, schemaErrors, unknownFieldErrors } from './support/k8s-schemas';
import { K8S_DIR } from './support/paths';
import { parseQuantity } from './support/quantity';

const APP_NAME = 'tmf629-customer-management';
/** MySQL's default max_connections is 151: all replicas' pools together must stay below it. */
const DB_CONNECTION_BUDGET = 150;

interface Deployment extends K8sObject {
  spec: {
    replicas?: number;
    selector: { matchLabels?: Record<string, string> };
    strategy?: {
      type?: string;
      rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string };
    };
    template: {
      metadata: { labels?: Record<string, string>; annotations?: Record<string, string> };
      spec: IPodSpec;
    };
  };
}
interface Service extends K8sObject {
  spec: {
    selector?: Record<string, string>;
    ports: { name?: string; port: number; targetPort?: number | string }[];
  };
}
interface Hpa extends K8sObject {
  spec: {
    scaleTargetRef: { apiVersion?: string; kind: string; name: string };
    minReplicas?: number;
    maxReplicas: number;
    metrics?: {
      type: string;
      resource?: { name: string; target: { type: string; averageUtilization?: number } };
    }[];
  };
}
interface Pdb extends K8sObject {
  spec: {
    minAvailable?: number | string;
    maxUnavailable?: number | string;
    selector?: { matchLabels?: Record<string, string> };
  };
}
interface DataObject extends K8sObject {
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

const KUBECTL = findKubectl();

if (!KUBECTL) {
  console.warn(
    'test/ops/k8s-manifests.spec.ts SKIPPED: kubectl is not on PATH (set KUBECTL=/path/to/kubectl); ' +
      'the Kustomize overlays were NOT rendered or validated.',
  );
  describe('Kubernetes manifests', () => {
    it.skip('SKIPPED: kubectl is not on PATH (or $KUBECTL), so the overlays cannot be rendered', () =>
      undefined);
  });
} else {
  const kubectl = KUBECTL;
  const tree = prepareTree();
  afterAll(() => rmSync(tree, { recursive: true, force: true }));

  const targets = ['base', ...listOverlays().map((o) => `overlays/${o}`)];
  // The Kubernetes kinds; an ODA Component (oda overlay) has its own spec, oda-component.spec.ts.
  const rendered = new Map(
    targets.map((t) => [
      t,
      render(kubectl, join(tree, t)).filter((o) => !o.apiVersion.startsWith('oda.')),
    ]),
  );
  let unknownFields: Map<K8sObject, string[]> | undefined;
  const allObjects = [...rendered.values()].flat();

  describe('Kubernetes manifests', () => {
    it('has at least the dev and production overlays', () => {
      expect(listOverlays()).toEqual(expect.arrayContaining(['dev', 'production']));
    });

    it('refuses to render an overlay whose secret env file was not provided (fail closed)', () => {
      for (const overlay of listOverlays()) {
        const dir = join(K8S_DIR, 'overlays', overlay);
        if (existsSync(join(dir, 'secrets', 'database.env'))) {
          continue; // a developer's local, git-ignored credentials: nothing to prove here
        }
        const result = tryRender(kubectl, dir);
        expect(result.status).not.toBe(0);
        expect(result.stderr).toContain('database.env');
      }
    });

    describe.each(targets)('%s', (target) => {
      const objects = rendered.get(target) ?? [];
      const byKind = <T extends K8sObject>(kind: string): T[] =>
        objects.filter((o) => o.kind === kind) as T[];
      const one = <T extends K8sObject>(kind: string): T => {
        const found = byKind<T>(kind);
        expect(found).toHaveLength(1);
        return found[0];
      };
      const deployment = () => one<Deployment>('Deployment');
      const podSpec = () => deployment().spec.template.spec;
      const containers = (): IContainer[] => podSpec().containers;
      const appContainer = () => {
        const found = podSpec().containers.find((c) => c.name === 'customer-management');
        if (!found) {
          throw new Error('no container named customer-management');
        }
        return found;
      };
      const configMap = () => {
        const ref = appContainer().envFrom?.find((e) => e.configMapRef)?.configMapRef?.name;
        const found = byKind<DataObject>('ConfigMap').find((c) => c.metadata.name === ref);
        if (!found) {
          throw new Error(`envFrom configMapRef ${String(ref)} does not name a rendered ConfigMap`);
        }
        return found.data ?? {};
      };
      const secretValue = (name: string, key: string): string | undefined => {
        const secret = byKind<DataObject>('Secret').find((s) => s.metadata.name === name);
        const encoded = secret?.data?.[key];
        return encoded !== undefined
          ? Buffer.from(encoded.replace(/\s+/g, ''), 'base64').toString('utf8')
          : secret?.stringData?.[key];
      };
      const databaseUrl = (): string => {
        const ref = appContainer().env?.find((e) => e.name === 'DATABASE_URL')?.valueFrom
          ?.secretKeyRef;
        expect(ref).toBeDefined();
        const value = ref ? secretValue(ref.name ?? '', ref.key) : undefined;
        if (value === undefined) {
          throw new Error(
            `DATABASE_URL secretKeyRef ${JSON.stringify(ref)} does not resolve to a rendered Secret key`,
          );
        }
        return value.trim();
      };
      const podLabels = () => deployment().spec.template.metadata.labels ?? {};
      const selects = (selector: Record<string, string> | undefined) =>
        selector !== undefined &&
        Object.keys(selector).length > 0 &&
        Object.entries(selector).every(([k, v]) => podLabels()[k] === v);
      /** API_PATH_PREFIX: every route, the probes' and the scrape's included, is under it. */
      const prefix = () => configMap().API_PATH_PREFIX ?? '';
      const containerPortNumbers = () => appContainer().ports?.map((p) => p.containerPort) ?? [];
      const resolvePort = (port: number | string | undefined): number | undefined =>
        typeof port === 'number'
          ? port
          : appContainer().ports?.find((p) => p.name === port)?.containerPort;

      it('every object matches the Kubernetes OpenAPI schema (kubernetes-models validate())', () => {
        const problems = objects.flatMap((o) =>
          schemaErrors(o).map((e) => `${describeObject(o)}: ${e}`),
        );
        expect(problems).toEqual([]);
      });

      it('no object has a field the Kubernetes API does not define, nor a mistyped one', () => {
        unknownFields ??= unknownFieldErrors(allObjects);
        const problems = objects.flatMap((o) =>
          (unknownFields?.get(o) ?? []).map((e) => `${describeObject(o)}: ${e}`),
        );
        expect(problems).toEqual([]);
      }, 60_000);

      it('contains the expected objects, all namespaced alike', () => {
        expect(objects.map((o) => o.kind).sort()).toEqual(
          [
            'ConfigMap',
            'Deployment',
            'HorizontalPodAutoscaler',
            'PodDisruptionBudget',
            'Secret',
            'Service',
            'ServiceAccount',
          ].sort(),
        );
        expect(deployment().metadata.name).toBe(APP_NAME);
        expect(new Set(objects.map((o) => o.metadata.namespace)).size).toBe(1);
        if (target !== 'base') {
          expect(objects[0].metadata.namespace).toEqual(expect.any(String));
        }
      });

      it('every container has startup, liveness and readiness probes on the health endpoints', () => {
        const httpProbe = (probe: IProbe | undefined, path: string) => {
          expect(probe?.httpGet?.path).toBe(path);
          expect(resolvePort(probe?.httpGet?.port)).toBe(APP_PORT);
        };
        for (const c of containers()) {
          httpProbe(c.startupProbe, `${prefix()}${LIVE_PATH}`);
          httpProbe(c.livenessProbe, `${prefix()}${LIVE_PATH}`);
          httpProbe(c.readinessProbe, `${prefix()}${READY_PATH}`);
          // The startup probe must cover migrations waiting on the 120 s database lock.
          const startup = c.startupProbe ?? {};
          expect(
            (startup.periodSeconds ?? 10) * (startup.failureThreshold ?? 3),
          ).toBeGreaterThanOrEqual(180);
          for (const probe of [c.startupProbe, c.livenessProbe, c.readinessProbe]) {
            expect(probe?.timeoutSeconds ?? 1).toBeLessThan(probe?.periodSeconds ?? 10);
          }
        }
      });

      it('every container has CPU/memory requests and limits, requests within limits', () => {
        for (const c of containers()) {
          const { requests = {}, limits = {} } = c.resources ?? {};
          for (const resource of ['cpu', 'memory']) {
            expect(requests[resource]).toBeDefined();
            expect(limits[resource]).toBeDefined();
            expect(parseQuantity(requests[resource])).toBeLessThanOrEqual(
              parseQuantity(limits[resource]),
            );
          }
        }
      });

      it('keeps the Node heap ceiling below the container memory limit', () => {
        const match = /--max-old-space-size=(\d+)/.exec(configMap().NODE_OPTIONS ?? '');
        expect(match).not.toBeNull();
        const heapBytes = Number(match?.[1]) * 1024 ** 2;
        const limit = parseQuantity(appContainer().resources?.limits?.memory ?? '0');
        expect(heapBytes).toBeLessThanOrEqual(0.8 * limit);
      });

      it('runs every container unprivileged: non-root, read-only root fs, no escalation, no capabilities, RuntimeDefault seccomp', () => {
        const pod = podSpec();
        expect(pod.securityContext?.runAsNonRoot).toBe(true);
        expect(pod.hostNetwork ?? false).toBe(false);
        expect(pod.hostPID ?? false).toBe(false);
        expect(pod.hostIPC ?? false).toBe(false);
        expect(pod.automountServiceAccountToken).toBe(false);
        for (const c of containers()) {
          const sc = c.securityContext ?? {};
          expect(sc.runAsNonRoot ?? pod.securityContext?.runAsNonRoot).toBe(true);
          expect(sc.runAsUser ?? pod.securityContext?.runAsUser).not.toBe(0);
          expect(sc.readOnlyRootFilesystem).toBe(true);
          expect(sc.allowPrivilegeEscalation).toBe(false);
          expect(sc.privileged ?? false).toBe(false);
          expect(sc.capabilities?.drop).toContain('ALL');
          expect(sc.capabilities?.add ?? []).toEqual([]);
          expect((sc.seccompProfile ?? pod.securityContext?.seccompProfile)?.type).toBe(
            'RuntimeDefault',
          );
          // With a read-only root, /tmp must be a writable emptyDir.
          const tmp = c.volumeMounts?.find((m) => m.mountPath === '/tmp');
          expect(tmp).toBeDefined();
          expect(pod.volumes?.find((v) => v.name === tmp?.name)?.emptyDir).toBeDefined();
        }
      });

      it('gives SIGTERM handling time: grace period > preStop sleep + SHUTDOWN_GRACE_MS', () => {
        const sleepSeconds = appContainer().lifecycle?.preStop?.sleep?.seconds;
        expect(sleepSeconds).toBeGreaterThan(0);
        const shutdownGraceMs = Number(configMap().SHUTDOWN_GRACE_MS);
        expect(shutdownGraceMs).toBeGreaterThan(0);
        const graceMs = (podSpec().terminationGracePeriodSeconds ?? 30) * 1000;
        expect(graceMs).toBeGreaterThan((sleepSeconds ?? 0) * 1000 + shutdownGraceMs);
      });

      it('rolls out without dropping below the desired replica count', () => {
        expect(deployment().spec.strategy?.type ?? 'RollingUpdate').toBe('RollingUpdate');
        expect(deployment().spec.strategy?.rollingUpdate?.maxUnavailable).toBe(0);
        expect(selects(deployment().spec.selector.matchLabels)).toBe(true);
      });

      it('keeps DATABASE_URL in the Secret, referenced by secretKeyRef, and out of the ConfigMap', () => {
        const url = new URL(databaseUrl());
        expect(url.protocol).toMatch(/^(mysql|mariadb):$/);
        expect(url.hostname).not.toBe('');
        expect(url.pathname.length).toBeGreaterThan(1);
        for (const cm of byKind<DataObject>('ConfigMap')) {
          const data = { ...cm.data };
          expect(Object.keys(data)).not.toContain('DATABASE_URL');
          for (const key of Object.keys(data)) {
            expect(key).not.toMatch(/PASSWORD|SECRET|TOKEN|CREDENTIAL/i);
            expect(SECRET_ENV.has(key)).toBe(false);
          }
          // No URL with embedded credentials anywhere in the ConfigMap.
          for (const value of Object.values(data)) {
            expect(value).not.toMatch(/:\/\/[^/\s@]+:[^/\s@]+@/);
          }
        }
        // Never a literal value in the Deployment either.
        expect(
          appContainer().env?.filter((e) => SECRET_ENV.has(e.name) && e.value !== undefined),
        ).toEqual([]);
      });

      it('only sets documented configuration keys, and the server accepts them (its own loadConfig)', () => {
        const data = configMap();
        expect(Object.keys(data).filter((k) => !KNOWN_ENV.has(k))).toEqual([]);
        expect(Number(data.PORT)).toBe(APP_PORT);
        expect(containerPortNumbers()).toContain(Number(data.PORT));
        const config = loadConfig({ ...data, DATABASE_URL: databaseUrl() });
        expect(config.port).toBe(APP_PORT);
        expect(config.database.type).toBe('mysql');
        expect(config.publicBaseUrl).toMatch(/^https?:\/\//);
      });

      it('exposes the container port through the Service, selecting the pods', () => {
        const service = one<Service>('Service');
        expect(selects(service.spec.selector)).toBe(true);
        for (const port of service.spec.ports) {
          expect(containerPortNumbers()).toContain(resolvePort(port.targetPort ?? port.port));
        }
      });

      it('is discoverable by Prometheus on the metrics endpoint', () => {
        const annotations = deployment().spec.template.metadata.annotations ?? {};
        expect(annotations['prometheus.io/scrape']).toBe('true');
        expect(Number(annotations['prometheus.io/port'])).toBe(APP_PORT);
        expect(annotations['prometheus.io/path']).toBe(`${prefix()}${METRICS_PATH}`);
        const service = one<Service>('Service').metadata.annotations ?? {};
        expect(service['prometheus.io/path']).toBe(`${prefix()}${METRICS_PATH}`);
      });

      it('autoscales the Deployment on CPU (autoscaling/v2) within the DB connection budget', () => {
        const hpa = one<Hpa>('HorizontalPodAutoscaler');
        expect(hpa.apiVersion).toBe('autoscaling/v2');
        expect(hpa.spec.scaleTargetRef).toEqual({
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: deployment().metadata.name,
        });
        const cpu = hpa.spec.metrics?.find(
          (m) => m.type === 'Resource' && m.resource?.name === 'cpu',
        );
        expect(cpu?.resource?.target.type).toBe('Utilization');
        expect(cpu?.resource?.target.averageUtilization).toBeGreaterThan(0);
        const min = hpa.spec.minReplicas ?? 1;
        expect(min).toBeLessThanOrEqual(hpa.spec.maxReplicas);
        // kubectl apply resets replicas to the manifest value: keep it at the HPA's floor.
        expect(deployment().spec.replicas).toBe(min);
        expect(hpa.spec.maxReplicas * Number(configMap().DB_POOL_SIZE)).toBeLessThanOrEqual(
          DB_CONNECTION_BUDGET,
        );
      });

      it('has a policy/v1 PodDisruptionBudget selecting the pods that never blocks drains at the HPA floor', () => {
        const pdb = one<Pdb>('PodDisruptionBudget');
        expect(pdb.apiVersion).toBe('policy/v1');
        expect(selects(pdb.spec.selector?.matchLabels)).toBe(true);
        const { minAvailable, maxUnavailable } = pdb.spec;
        expect([minAvailable, maxUnavailable].filter((v) => v !== undefined)).toHaveLength(1);
        const floor = one<Hpa>('HorizontalPodAutoscaler').spec.minReplicas ?? 1;
        if (typeof minAvailable === 'number') {
          expect(minAvailable).toBeLessThan(floor);
        }
        if (typeof maxUnavailable === 'number') {
          expect(maxUnavailable).toBeGreaterThan(0);
        }
      });

      if (target !== 'base') {
        it('sets a registry image with an explicit tag or digest', () => {
          for (const c of containers()) {
            expect(c.image).toMatch(/^[a-z0-9.-]+(:\d+)?\/.+(:[\w.-]+|@sha256:[a-f0-9]{64})$/);
          }
        });
      }

      if (target === 'overlays/production') {
        it('production: >= 2 replicas, HPA floor >= 2, PDB minAvailable 1, immutable tag', () => {
          expect(deployment().spec.replicas).toBeGreaterThanOrEqual(2);
          expect(one<Hpa>('HorizontalPodAutoscaler').spec.minReplicas).toBeGreaterThanOrEqual(2);
          expect(one<Pdb>('PodDisruptionBudget').spec.minAvailable).toBe(1);
          for (const c of containers()) {
            expect(c.image).not.toMatch(/:(latest|dev|main)$/);
          }
        });

        it('production: spreads replicas across nodes and zones', () => {
          const constraints = podSpec().topologySpreadConstraints ?? [];
          const keys = constraints.map((t) => t.topologyKey);
          expect(keys).toEqual(
            expect.arrayContaining(['kubernetes.io/hostname', 'topology.kubernetes.io/zone']),
          );
          for (const t of constraints) {
            expect(selects(t.labelSelector?.matchLabels)).toBe(true);
          }
        });
      }

      if (target.startsWith('overlays/')) {
        it('takes DATABASE_URL from the overlay secret file, not the base placeholder', () => {
          expect(databaseUrl()).toContain(TEST_DB_PASSWORD);
        });
      }
    });
  });
}
