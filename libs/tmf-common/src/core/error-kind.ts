/**
 * What went wrong, independent of transport. Domain code raises a kind; the HTTP edge maps it to a
 * status in one place (`statusForKind`).
 */
export enum ErrorKind {
  BadRequest = 'BAD_REQUEST',
  Unauthorized = 'UNAUTHORIZED',
  Forbidden = 'FORBIDDEN',
  NotFound = 'NOT_FOUND',
  MethodNotAllowed = 'METHOD_NOT_ALLOWED',
  NotAcceptable = 'NOT_ACCEPTABLE',
  Conflict = 'CONFLICT',
  PreconditionFailed = 'PRECONDITION_FAILED',
  PayloadTooLarge = 'PAYLOAD_TOO_LARGE',
  UnsupportedMediaType = 'UNSUPPORTED_MEDIA_TYPE',
  TooManyRequests = 'TOO_MANY_REQUESTS',
  NotImplemented = 'NOT_IMPLEMENTED',
  ServiceUnavailable = 'SERVICE_UNAVAILABLE',
  Internal = 'INTERNAL',
}

export function statusForKind(kind: ErrorKind): number {
  switch (kind) {
    case ErrorKind.BadRequest:
      return 400;
    case ErrorKind.Unauthorized:
      return 401;
    case ErrorKind.Forbidden:
      return 403;
    case ErrorKind.NotFound:
      return 404;
    case ErrorKind.MethodNotAllowed:
      return 405;
    case ErrorKind.NotAcceptable:
      return 406;
    case ErrorKind.Conflict:
      return 409;
    case ErrorKind.PreconditionFailed:
      return 412;
    case ErrorKind.PayloadTooLarge:
      return 413;
    case ErrorKind.UnsupportedMediaType:
      return 415;
    case ErrorKind.TooManyRequests:
      return 429;
    case ErrorKind.NotImplemented:
      return 501;
    case ErrorKind.ServiceUnavailable:
      return 503;
    case ErrorKind.Internal:
      return 500;
  }
}

/** Short, client-showable reason per status (TMF `Error.reason`). */
export function reasonForStatus(status: number): string {
  const reasons: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    405: 'Method Not Allowed',
    406: 'Not Acceptable',
    408: 'Request Timeout',
    409: 'Conflict',
    412: 'Precondition Failed',
    413: 'Payload Too Large',
    414: 'URI Too Long',
    415: 'Unsupported Media Type',
    429: 'Too Many Requests',
    431: 'Request Header Fields Too Large',
    500: 'Internal Server Error',
    501: 'Not Implemented',
    503: 'Service Unavailable',
  };
  return reasons[status] ?? (status >= 500 ? 'Server Error' : 'Client Error');
}
