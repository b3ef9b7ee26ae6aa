// The official TMF629 v5.0.1 OpenAPI file (libs/tmf629-v5/spec/*.oas.yaml, verbatim from TM Forum),
// as JSON so that the build carries it: the v5 OpenAPI document takes its schemas from it, and the
// v5 conformance suite validates responses against them. A unit test keeps the two files equal.
import spec from './TMF629-Customer_Management-v5.0.1.oas.json';

/** The parts of the official file this server reads. */
export interface V5Spec {
  openapi: string;
  info: { title: string; description?: string; version: string };
  servers: { url: string }[];
  tags: { name: string; description?: string }[];
  paths: Record<string, Record<string, { operationId: string } & Record<string, unknown>>>;
  components: {
    schemas: Record<string, unknown>;
    parameters: Record<string, unknown>;
    requestBodies: Record<string, unknown>;
    responses: Record<string, unknown>;
    headers: Record<string, unknown>;
    examples: Record<string, { value: unknown; description?: string }>;
  } & Record<string, unknown>;
}

export const TMF629_V5_SPEC = spec as unknown as V5Spec;
