import { join } from 'node:path';

import { ConfigMap, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import * as ts from 'typescript';

import type { K8sObject } from '@test/support/kustomize';

import { REPO_ROOT } from './paths';

interface Validatable {
  validate(): void;
}

interface Schema {
  /** kubernetes-models class: its validate() checks the object against the OpenAPI schema. */
  model: new (data: never) => Validatable;
  /** Module and interface of the same kind, for the unknown-field check. */
  typeModule: string;
  typeName: string;
}

/**
 * The kinds these manifests may contain. A new kind must be added here, so it is validated too.
 * (kubernetes-models 4.x: CommonJS, Kubernetes ~1.31 schemas; 5.x is ESM-only and needs Node 22.)
 */
const SCHEMAS: Record<string, Schema> = {
  'v1/ConfigMap': { model: ConfigMap, typeModule: 'kubernetes-models/v1', typeName: 'IConfigMap' },
  'v1/Secret': { model: Secret, typeModule: 'kubernetes-models/v1', typeName: 'ISecret' },
  'v1/Service': { model: Service, typeModule: 'kubernetes-models/v1', typeName: 'IService' },
  'v1/ServiceAccount': {
    model: ServiceAccount,
    typeModule: 'kubernetes-models/v1',
    typeName: 'IServiceAccount',
  },
  'apps/v1/Deployment': {
    model: Deployment,
    typeModule: 'kubernetes-models/apps/v1',
    typeName: 'IDeployment',
  },
  'autoscaling/v2/HorizontalPodAutoscaler': {
    model: HorizontalPodAutoscaler,
    typeModule: 'kubernetes-models/autoscaling/v2',
    typeName: 'IHorizontalPodAutoscaler',
  },
  'policy/v1/PodDisruptionBudget': {
    model: PodDisruptionBudget,
    typeModule: 'kubernetes-models/policy/v1',
    typeName: 'IPodDisruptionBudget',
  },
};

export function describeObject(obj: K8sObject): string {
  return `${obj.kind}/${obj.metadata?.name ?? '<no name>'}`;
}

function schemaFor(obj: Pick<K8sObject, 'apiVersion' | 'kind'>): Schema | undefined {
  return SCHEMAS[`${obj.apiVersion}/${obj.kind}`];
}

/**
 * kustomize wraps long base64 values of Secret `data` over several lines; the API server's
 * base64 decoder skips line breaks, while the schema's "byte" format regex does not. Validate
 * what the server decodes: the same value without the line breaks.
 */
function asDecodedByApiServer(obj: K8sObject): K8sObject {
  const data = obj.kind === 'Secret' ? (obj.data as Record<string, string> | undefined) : undefined;
  if (!data) {
    return obj;
  }
  const unwrapped = Object.fromEntries(
    Object.entries(data).map(([k, v]) => [k, v.replace(/[\r\n]/g, '')]),
  );
  return { ...obj, data: unwrapped };
}

/**
 * Validates one object against the Kubernetes OpenAPI schema (types, formats, required fields,
 * enums). Returns the problems, empty when valid.
 */
export function schemaErrors(obj: K8sObject): string[] {
  const schema = schemaFor(obj);
  if (!schema) {
    return [
      `no schema registered for ${obj.apiVersion} ${obj.kind}: add its kubernetes-models class to SCHEMAS`,
    ];
  }
  try {
    new schema.model(asDecodedByApiServer(obj) as never).validate();
    return [];
  } catch (err) {
    return [err instanceof Error ? err.message : String(err)];
  }
}

/**
 * The OpenAPI schemas allow unknown fields, which the API server then drops silently (a typo
 * such as `readOnlyRootFileSystem` would disable the protection without an error). This check
 * compiles every object as an object literal typed with kubernetes-models' interface:
 * TypeScript's excess-property check rejects any field the Kubernetes API does not define, at
 * any depth, and its type check catches wrong types. Returns the problems per object.
 */
export function unknownFieldErrors(objects: K8sObject[]): Map<K8sObject, string[]> {
  const problems = new Map<K8sObject, string[]>(objects.map((o) => [o, []]));
  const typed = objects.flatMap((obj) => {
    const schema = schemaFor(obj);
    if (!schema) {
      problems.get(obj)?.push(`no type registered for ${obj.apiVersion} ${obj.kind}`);
      return [];
    }
    return [{ obj, schema }];
  });
  const imports = new Map<string, Set<string>>();
  for (const { schema } of typed) {
    imports.set(
      schema.typeModule,
      (imports.get(schema.typeModule) ?? new Set()).add(schema.typeName),
    );
  }
  let source = [...imports]
    .map(([module, names]) => `import type { ${[...names].join(', ')} } from '${module}';\n`)
    .join('');
  const spans: { obj: K8sObject; start: number; end: number }[] = [];
  typed.forEach(({ obj, schema }, i) => {
    const statement = `export const o${i}: ${schema.typeName} = ${JSON.stringify(obj, null, 1)};\n`;
    spans.push({ obj, start: source.length, end: source.length + statement.length });
    source += statement;
  });

  // A virtual file inside the repository, so `kubernetes-models` resolves from node_modules.
  const fileName = join(REPO_ROOT, 'test', 'ops', '__rendered-manifests__.ts');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    skipLibCheck: true,
    types: [],
    lib: ['lib.es2022.d.ts'],
  };
  const host = ts.createCompilerHost(options, true);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, languageVersion, onError, shouldCreate) =>
    name === fileName
      ? ts.createSourceFile(name, source, languageVersion, true)
      : getSourceFile(name, languageVersion, onError, shouldCreate);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === fileName || fileExists(name);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => (name === fileName ? source : readFile(name));

  const program = ts.createProgram([fileName], options, host);
  const sourceFile = program.getSourceFile(fileName);
  const diagnostics = [
    ...program.getSyntacticDiagnostics(sourceFile),
    ...program.getSemanticDiagnostics(sourceFile),
  ];
  for (const diagnostic of diagnostics) {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    const at = diagnostic.start ?? -1;
    const span = spans.find((s) => at >= s.start && at < s.end);
    if (span) {
      problems.get(span.obj)?.push(message);
    } else {
      // Not attributable to one object (e.g. an import failed): report on all of them.
      for (const list of problems.values()) {
        list.push(message);
      }
    }
  }
  return problems;
}
