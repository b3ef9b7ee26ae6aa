// The ODA Component overlay: renders with `kubectl kustomize`, the Component validates against the
// canvas's CRD (v1 openAPIV3Schema, its CEL rules, no field the API server would prune), every object
// carries the component label, and the Component's paths, ports and Services agree with what the
// rendered objects and the server actually serve. (That the server answers each path: the e2e
// tier, test/e2e/oda-component.e2e-spec.ts.)
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { CUSTOMER_MANAGEMENT_V4 } from '@app/tmf-common/core';
import { loadConfig } from '@server/config/app-config';
import { findKubectl, K8sObject, prepareTree, render } from '@test/support/kustomize';
import {
  COMPONENT_NAME_LABEL,
  componentSchema,
  componentSchemaErrors,
  componentUnknownFields,
  missingComponentLabels,
  OdaComponent,
} from '@test/support/oda-component';

import { REPO_ROOT } from './support/paths';

const OVERLAY = 'overlays/oda';
const CUSTOMER_EVENTS = [
  'CustomerAttributeValueChangeEvent',
  'CustomerCreateEvent',
  'CustomerDeleteEvent',
  'CustomerStateChangeEvent',
];

interface Service extends K8sObject {
  spec: { ports: { name?: string; port: number }[] };
}

const KUBECTL = findKubectl();

if (!KUBECTL) {
  console.warn('test/ops/oda-component.spec.ts SKIPPED: kubectl is not on PATH (set KUBECTL)');
  describe('ODA Component overlay', () => {
    it.skip('SKIPPED: kubectl is not on PATH (or $KUBECTL)', () => undefined);
  });
} else {
  const tree = prepareTree();
  afterAll(() => rmSync(tree, { recursive: true, force: true }));
  const objects = render(KUBECTL, join(tree, OVERLAY));
  const components = objects.filter((o) => o.kind === 'Component') as OdaComponent[];
  const component = components[0];
  const schema = componentSchema('v1');
  const configMap = objects.find((o) => o.kind === 'ConfigMap') as
    (K8sObject & { data: Record<string, string> }) | undefined;
  const prefix = configMap?.data.API_PATH_PREFIX ?? '';
  const services = objects.filter((o) => o.kind === 'Service') as Service[];
  const servicePorts = (name: string | undefined) =>
    services.find((s) => s.metadata.name === name)?.spec.ports.map((p) => p.port) ?? [];

  describe('ODA Component overlay', () => {
    it('renders one oda.tmforum.org/v1 Component beside the Deployment, Service and config', () => {
      expect(components).toHaveLength(1);
      expect(component.apiVersion).toBe('oda.tmforum.org/v1');
      expect(objects.map((o) => o.kind)).toEqual(
        expect.arrayContaining(['Deployment', 'Service', 'ConfigMap', 'Secret']),
      );
      expect(new Set(objects.map((o) => o.metadata.namespace)).size).toBe(1);
    });

    it("validates against the canvas CRD's v1 openAPIV3Schema, CEL rules included", () => {
      expect(componentSchemaErrors(component, schema)).toEqual([]);
    });

    it('has no field the v1 schema does not declare (the API server would prune it)', () => {
      expect(componentUnknownFields(component, schema)).toEqual([]);
    });

    it('labels every object, pod template included, oda.tmforum.org/componentName=<Component name>', () => {
      expect(component.metadata.labels?.[COMPONENT_NAME_LABEL]).toBe(component.metadata.name);
      expect(missingComponentLabels(objects, component.metadata.name)).toEqual([]);
    });

    it('serves under API_PATH_PREFIX = /<release>-<component>, the name the canvas routes by', () => {
      expect(prefix).toBe(`/${component.metadata.name}`);
      expect(() => loadConfig({ ...configMap?.data })).not.toThrow();
    });

    it('fills componentMetadata with its own id (TMF629 is in no golden component)', () => {
      const meta = component.spec.componentMetadata ?? {};
      for (const field of ['id', 'name', 'version', 'description', 'functionalBlock']) {
        expect(meta[field as keyof typeof meta]).toEqual(expect.any(String));
      }
      expect(meta.id).not.toMatch(/^TMFC\d+$/i);
      const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
        version: string;
      };
      expect(meta.version).toBe(pkg.version);
      expect(meta.maintainers?.length).toBeGreaterThan(0);
      expect(meta.owners?.length).toBeGreaterThan(0);
    });

    it('exposes TMF629 with one specification entry per served version: official spec, openapi, Service, path, port, developer UI', () => {
      const apis = component.spec.coreFunction?.exposedAPIs ?? [];
      expect(apis.map((a) => a.id)).toEqual(['TMF629']);
      const specs = apis[0].specification;
      const versions = specs.map((s) => s.version?.split('.')[0]);
      expect(versions).toContain('4');
      expect(new Set(versions).size).toBe(versions.length);
      for (const spec of specs) {
        const major = spec.version?.split('.')[0];
        expect(spec.url).toMatch(
          new RegExp(`^https://.*TMF629.*v${major}\\.\\d+\\.\\d+.*\\.(json|ya?ml)$`),
        );
        expect(spec.apiType).toBe('openapi');
        expect(spec.path).toBe(
          `${prefix}${CUSTOMER_MANAGEMENT_V4.root.replace(/v4$/, `v${major}`)}`,
        );
        expect(spec.developerUI).toBe(`${prefix}/docs`);
        expect(servicePorts(spec.implementation)).toContain(spec.port);
      }
    });

    it('publishes the four Customer events through the TMF629 hub of the Service', () => {
      const published = component.spec.eventNotification?.publishedEvents ?? [];
      expect(published.map((e) => e.name).sort()).toEqual(CUSTOMER_EVENTS);
      for (const event of published) {
        expect(event.specification.length).toBeGreaterThan(0);
        const majors = event.specification.map((spec) => spec.version?.split('.')[0]);
        expect(majors).toEqual(['4', '5']);
        for (const spec of event.specification) {
          const major = spec.version?.split('.')[0] ?? '';
          expect(spec.hub).toBe(
            `${prefix}${CUSTOMER_MANAGEMENT_V4.hub.replace('/v4/', `/v${major}/`)}`,
          );
          expect(spec.apiType).toBe('openapi');
          expect(servicePorts(spec.implementation)).toContain(spec.port);
        }
      }
    });

    it('exposes the Prometheus metrics as a management API on the Service', () => {
      const management = component.spec.managementFunction?.exposedAPIs ?? [];
      const metrics = management.find((m) => m.name === 'metrics');
      expect(metrics).toEqual(
        expect.objectContaining({ apiType: 'prometheus', path: `${prefix}/metrics` }),
      );
      expect(servicePorts(metrics?.implementation)).toContain(metrics?.port);
    });

    it('names the canvas system role and declares the OAuth scopes the server checks as component roles', () => {
      const security = component.spec.securityFunction ?? {};
      expect(security.canvasSystemRole).toEqual(expect.any(String));
      const { scopes } = loadConfig({}).auth;
      expect((security.componentRole ?? []).map((r) => r.name).sort()).toEqual(
        [scopes.read, scopes.write, scopes.hub].sort(),
      );
    });
  });
}
