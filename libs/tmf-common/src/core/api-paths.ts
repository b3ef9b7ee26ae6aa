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
