import { AppException, ErrorKind } from '@app/tmf-common';

export enum CustomerErrorCode {
  NotFound = 'CUSTOMER_NOT_FOUND',
  Invalid = 'INVALID_CUSTOMER',
  ImmutableAttribute = 'IMMUTABLE_ATTRIBUTE',
  InvalidPatch = 'INVALID_PATCH',
  UnsupportedMediaType = 'UNSUPPORTED_MEDIA_TYPE',
  InvalidQuery = 'INVALID_QUERY',
  PreconditionFailed = 'PRECONDITION_FAILED',
}

export class CustomerException extends AppException<CustomerErrorCode> {
  static notFound(id: string): CustomerException {
    return new CustomerException(
      ErrorKind.NotFound,
      CustomerErrorCode.NotFound,
      `No Customer with id ${id}`,
    );
  }

  static invalid(message: string): CustomerException {
    return new CustomerException(ErrorKind.BadRequest, CustomerErrorCode.Invalid, message);
  }

  static immutable(attributes: string[]): CustomerException {
    return new CustomerException(
      ErrorKind.BadRequest,
      CustomerErrorCode.ImmutableAttribute,
      `${attributes.join(' and ')} cannot be set by the client: the server assigns them`,
    );
  }

  static unsupportedMediaType(
    received: string | undefined,
    accepted: readonly string[],
  ): CustomerException {
    return new CustomerException(
      ErrorKind.UnsupportedMediaType,
      CustomerErrorCode.UnsupportedMediaType,
      `Content-Type ${received ?? '(none)'} is not supported here; accepted: ${accepted.join(', ')}`,
    );
  }

  static preconditionFailed(id: string, currentTag: string): CustomerException {
    return new CustomerException(
      ErrorKind.PreconditionFailed,
      CustomerErrorCode.PreconditionFailed,
      `If-Match does not match the current version of Customer ${id} (ETag ${currentTag}); read it again and retry`,
      { etag: currentTag },
    );
  }

  static invalidQuery(message: string): CustomerException {
    return new CustomerException(ErrorKind.BadRequest, CustomerErrorCode.InvalidQuery, message);
  }
}
