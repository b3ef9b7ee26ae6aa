import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { type CelInput, run } from '@bufbuild/cel';
import Ajv, { ErrorObject } from 'ajv';
import { parse } from 'yaml';

import type { K8sObject } from './kustomize';
import { sharedDir } from './shared-dir';

/** A node of a CRD's openAPIV3Schema (the subset the ODA Component CRD uses). */
export interface CrdSchema {
  type?: string;
  properties?: Record<string, CrdSchema>;
  items?: CrdSchema;
  additionalProperties?: boolean | CrdSchema;
  required?: string[];
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-validations'?: { rule: string; message?: string }[];
  [keyword: string]: unknown;
}

export const ODA_GROUP = 'oda.tmforum.org';
export const COMPONENT_NAME_LABEL = 'oda.tmforum.org/componentName';

/** The canvas's Component CRD as shipped (a Helm template), read from the shared folder. */
export function componentCrdFile(): string {
  return join(sharedDir(), 'oda', 'oda-component-crd.yaml');
}

/**
 * The `openAPIV3Schema` of one served version of the Component CRD. The file is a Helm template:
 * its `{{ ... }}` expressions (a namespace and certificate name outside the schema) are filled
 * with a placeholder before parsing; the file itself is never changed.
 */
export function componentSchema(version = 'v1', text = readFileSync(componentCrdFile(), 'utf8')) {
  const filled = text.replace(/\{\{[^}]*\}\}/g, 'helm-placeholder');
  const crd = parse(filled) as {
    spec: {
      group: string;
      names: { kind: string };
      versions: { name: string; served: boolean; schema: { openAPIV3Schema: CrdSchema } }[];
    };
  };
  if (crd.spec.group !== ODA_GROUP || crd.spec.names.kind !== 'Component') {
    throw new Error(`not the ODA Component CRD: ${crd.spec.group} ${crd.spec.names.kind}`);
  }
  const served = crd.spec.versions.find((v) => v.name === version && v.served);
  if (!served) {
    throw new Error(`the Component CRD serves no version ${version}`);
  }
  return served.schema.openAPIV3Schema;
}

function newAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
  // Annotations of Kubernetes' structural schemas, checked by the walkers below or not at all.
  for (const keyword of [
    'example',
    'x-kubernetes-validations',
    'x-kubernetes-preserve-unknown-fields',
  ]) {
    ajv.addKeyword({ keyword, schemaType: ['string', 'boolean', 'array', 'object', 'number'] });
  }
  // The API server checks date-time; it ignores formats it does not know, such as "url".
  ajv.addFormat('date-time', {
    type: 'string',
    validate: (s: string) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i.test(s),
  });
  ajv.addFormat('url', true);
  return ajv;
}

function formatErrors(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`);
}

/** The object as the schema sees it: apiVersion, kind and metadata are the API server's own. */
function schemaView(obj: K8sObject): Record<string, unknown> {
  const { apiVersion: _a, kind: _k, metadata: _m, ...rest } = obj;
  return rest;
}

/**
 * Types, enums, formats and required fields, as the API server checks them against the CRD's
 * schema (errors name the JSON pointer), then the CRD's `x-kubernetes-validations` CEL rules.
 */
export function componentSchemaErrors(obj: K8sObject, schema: CrdSchema): string[] {
  if (obj.apiVersion !== `${ODA_GROUP}/v1` || obj.kind !== 'Component') {
    return [`not an ${ODA_GROUP}/v1 Component: ${obj.apiVersion} ${obj.kind}`];
  }
  const validate = newAjv().compile(schema);
  const view = schemaView(obj);
  return validate(view) ? celRuleErrors(view, schema, '') : formatErrors(validate.errors);
}

/** Evaluates every `x-kubernetes-validations` rule where its node occurs in the object. */
function celRuleErrors(value: unknown, schema: CrdSchema, path: string): string[] {
  const problems: string[] = [];
  for (const { rule, message } of schema['x-kubernetes-validations'] ?? []) {
    let ok: unknown;
    try {
      ok = run(rule, { self: toCel(value) });
    } catch (err) {
      ok = err instanceof Error ? err.message : String(err);
    }
    if (ok !== true) {
      problems.push(`${path || '/'} fails the CRD rule: ${(message ?? rule).trim()}`);
    }
  }
  if (Array.isArray(value) && schema.items) {
    value.forEach((item, i) =>
      problems.push(...celRuleErrors(item, schema.items!, `${path}/${i}`)),
    );
  } else if (value && typeof value === 'object' && schema.properties) {
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      const sub = schema.properties[key];
      if (sub) {
        problems.push(...celRuleErrors(child, sub, `${path}/${key}`));
      }
    }
  }
  return problems;
}

/** JSON to CEL values: objects as maps, whole numbers as int (the CRD's integer fields). */
function toCel(value: unknown): CelInput {
  if (Array.isArray(value)) {
    return value.map(toCel);
  }
  if (value && typeof value === 'object') {
    return new Map(Object.entries(value).map(([k, v]) => [k, toCel(v)]));
  }
  return (typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : value) as CelInput;
}

/**
 * The schema accepts unknown fields, and the API server prunes them from a structural schema's
 * objects without an error (a misspelt `developerUi` would silently vanish). This check reports
 * every field the schema does not declare, at any depth, except under
 * `x-kubernetes-preserve-unknown-fields`.
 */
export function componentUnknownFields(obj: K8sObject, schema: CrdSchema): string[] {
  const problems: string[] = [];
  const walk = (value: unknown, node: CrdSchema, path: string): void => {
    if (node['x-kubernetes-preserve-unknown-fields']) {
      return;
    }
    if (Array.isArray(value)) {
      value.forEach((item, i) => node.items && walk(item, node.items, `${path}/${i}`));
      return;
    }
    if (!value || typeof value !== 'object' || node.type !== 'object') {
      return;
    }
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      const sub = node.properties?.[key];
      if (sub) {
        walk(child, sub, `${path}/${key}`);
      } else if (typeof node.additionalProperties === 'object') {
        walk(child, node.additionalProperties, `${path}/${key}`);
      } else if (node.additionalProperties !== true) {
        problems.push(`${path}/${key} is not a field of the Component schema (it would be pruned)`);
      }
    }
  };
  walk(schemaView(obj), schema, '');
  return problems;
}

interface Contact {
  name?: string;
  email?: string;
  url?: string;
}

interface ApiSpecification {
  url?: string;
  version?: string;
  apiType?: string;
  implementation?: string;
  path?: string;
  developerUI?: string;
  hub?: string;
  port?: number;
}

/** The parts of a v1 Component these tests read. */
export interface OdaComponent extends K8sObject {
  spec: {
    componentMetadata?: {
      id?: string;
      name?: string;
      version?: string;
      description?: string;
      functionalBlock?: string;
      maintainers?: Contact[];
      owners?: Contact[];
    };
    coreFunction?: {
      exposedAPIs?: { name: string; id?: string; specification: ApiSpecification[] }[];
    };
    eventNotification?: {
      publishedEvents?: { name: string; specification: ApiSpecification[] }[];
    };
    managementFunction?: {
      exposedAPIs?: ({ name: string } & ApiSpecification)[];
    };
    securityFunction?: { canvasSystemRole?: string; componentRole?: { name: string }[] };
  };
}

/**
 * Objects (and pod templates) without `oda.tmforum.org/componentName=<name>`: the canvas adopts
 * a component's objects by this label, and its test kit checks it on Deployments.
 */
export function missingComponentLabels(objects: K8sObject[], name: string): string[] {
  const problems: string[] = [];
  for (const obj of objects) {
    const where = `${obj.kind}/${obj.metadata?.name ?? '<no name>'}`;
    if (obj.metadata?.labels?.[COMPONENT_NAME_LABEL] !== name) {
      problems.push(where);
    }
    const template = (obj.spec as { template?: { metadata?: K8sObject['metadata'] } } | undefined)
      ?.template;
    if (template && template.metadata?.labels?.[COMPONENT_NAME_LABEL] !== name) {
      problems.push(`${where} pod template`);
    }
  }
  return problems;
}

/**
 * Every URL path the Component tells the canvas to route or probe, with how the canvas and its
 * test kit use it: exposed API roots and developer UIs (GET, 2xx), the event hub (subscriptions
 * are POSTed there), the metrics scrape (GET).
 */
export function componentPaths(
  component: OdaComponent,
): { what: string; path: string; use: 'get' | 'hub' }[] {
  const paths: { what: string; path: string; use: 'get' | 'hub' }[] = [];
  for (const api of component.spec.coreFunction?.exposedAPIs ?? []) {
    for (const spec of api.specification) {
      if (spec.path) {
        paths.push({ what: `${api.id} ${spec.version} path`, path: spec.path, use: 'get' });
      }
      if (spec.developerUI) {
        paths.push({
          what: `${api.id} ${spec.version} developerUI`,
          path: spec.developerUI,
          use: 'get',
        });
      }
    }
  }
  const hubs = new Set(
    (component.spec.eventNotification?.publishedEvents ?? []).flatMap((e) =>
      e.specification.map((s) => s.hub),
    ),
  );
  for (const hub of hubs) {
    if (hub) {
      paths.push({ what: 'event hub', path: hub, use: 'hub' });
    }
  }
  for (const api of component.spec.managementFunction?.exposedAPIs ?? []) {
    if (api.path) {
      paths.push({ what: `management ${api.name}`, path: api.path, use: 'get' });
    }
  }
  return paths;
}
