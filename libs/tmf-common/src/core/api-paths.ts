const V4_ROOT = '/tmf-api/customerManagement/v4';

/**
 * Where TMF629 Customer Management v4 lives, per TMF630's `/tmf-api/{apiName}/v{major}`: the one
 * place this path is written. Routes, hrefs and the query compiler's derived href follow from it;
 * a deployment prefix (API_PATH_PREFIX) goes in front of all of them.
 */
export const CUSTOMER_MANAGEMENT_V4 = {
  /** The API root: answers with the API's entry points (the ODA component test kit probes it). */
  root: V4_ROOT,
  customer: `${V4_ROOT}/customer`,
  hub: `${V4_ROOT}/hub`,
  listener: `${V4_ROOT}/listener`,
} as const;

const V5_ROOT = '/tmf-api/customerManagement/v5';
// The v5.0.1 file's `servers` entry; every `href` of its examples uses V5_ROOT (a known defect).
const V5_SERVERS_ROOT = '/tmf-api/customer/v5';

/**
 * Where TMF629 v5 lives (docs/v5.md): the same handlers at both roots; hrefs use `root`.
 */
export const CUSTOMER_MANAGEMENT_V5 = {
  root: V5_ROOT,
  /** The same API at the root the spec's `servers` names. */
  alias: V5_SERVERS_ROOT,
  customer: `${V5_ROOT}/customer`,
  hub: `${V5_ROOT}/hub`,
  listener: `${V5_ROOT}/listener`,
} as const;
