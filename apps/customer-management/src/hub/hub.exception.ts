import { AppException, ErrorKind } from '@app/tmf-common';

export enum HubErrorCode {
  InvalidSubscription = 'INVALID_SUBSCRIPTION',
  CallbackRefused = 'CALLBACK_REFUSED',
  DuplicateSubscription = 'DUPLICATE_SUBSCRIPTION',
  SubscriptionNotFound = 'SUBSCRIPTION_NOT_FOUND',
  InvalidEvent = 'INVALID_EVENT',
  DeadLetterNotFound = 'DEAD_LETTER_NOT_FOUND',
  InvalidRequest = 'INVALID_REQUEST',
  AdminUnauthorized = 'ADMIN_UNAUTHORIZED',
  UnsupportedMediaType = 'UNSUPPORTED_MEDIA_TYPE',
}

export class HubException extends AppException<HubErrorCode> {
  static invalidSubscription(message: string): HubException {
    return new HubException(ErrorKind.BadRequest, HubErrorCode.InvalidSubscription, message);
  }

  static callbackRefused(message: string): HubException {
    return new HubException(ErrorKind.BadRequest, HubErrorCode.CallbackRefused, message);
  }

  static duplicate(existingId: string): HubException {
    return new HubException(
      ErrorKind.Conflict,
      HubErrorCode.DuplicateSubscription,
      `A subscription with the same callback and query exists (id ${existingId}); delete it first or change the query`,
    );
  }

  static notFound(id: string): HubException {
    return new HubException(
      ErrorKind.NotFound,
      HubErrorCode.SubscriptionNotFound,
      `No hub subscription with id ${id}`,
    );
  }

  static invalidEvent(message: string): HubException {
    return new HubException(ErrorKind.BadRequest, HubErrorCode.InvalidEvent, message);
  }

  static deadLetterNotFound(id: string): HubException {
    return new HubException(
      ErrorKind.NotFound,
      HubErrorCode.DeadLetterNotFound,
      `No dead letter with id ${id}`,
    );
  }

  static invalidRequest(message: string): HubException {
    return new HubException(ErrorKind.BadRequest, HubErrorCode.InvalidRequest, message);
  }

  static adminUnauthorized(): HubException {
    return new HubException(
      ErrorKind.Unauthorized,
      HubErrorCode.AdminUnauthorized,
      'The hub administration endpoints need Authorization: Bearer <HUB_ADMIN_TOKEN>',
      { 'www-authenticate': 'Bearer' },
    );
  }

  static unsupportedMediaType(received: string | undefined): HubException {
    return new HubException(
      ErrorKind.UnsupportedMediaType,
      HubErrorCode.UnsupportedMediaType,
      `Content-Type ${received ?? '(none)'} is not supported here; accepted: application/json`,
    );
  }
}
