/** The TMF630 / TMF629 `Error` resource. */
export interface TmfError {
  code: string;
  reason: string;
  message?: string;
  status?: string;
  referenceError?: string;
  '@type': 'Error';
}

export function tmfError(status: number, code: string, reason: string, message: string): TmfError {
  return { code, reason, message, status: String(status), '@type': 'Error' };
}
