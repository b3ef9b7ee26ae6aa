import { AppException, ErrorKind } from '@app/tmf-common';

export enum AuthErrorCode {
  MissingToken = 'MISSING_TOKEN',
  InvalidToken = 'INVALID_TOKEN',
  InsufficientScope = 'INSUFFICIENT_SCOPE',
}

/** 401/403 with the RFC 6750 `WWW-Authenticate` challenge. */
export class AuthException extends AppException<AuthErrorCode> {
  static missingToken(): AuthException {
    return new AuthException(
      ErrorKind.Unauthorized,
      AuthErrorCode.MissingToken,
      'A bearer token is required (Authorization: Bearer <token>)',
      { 'www-authenticate': 'Bearer' },
    );
  }

  static invalidToken(reason: string): AuthException {
    return new AuthException(
      ErrorKind.Unauthorized,
      AuthErrorCode.InvalidToken,
      `Invalid bearer token: ${reason}`,
      {
        'www-authenticate': `Bearer error="invalid_token", error_description="${reason.replace(/"/g, "'")}"`,
      },
    );
  }

  static insufficientScope(scope: string): AuthException {
    return new AuthException(
      ErrorKind.Forbidden,
      AuthErrorCode.InsufficientScope,
      `The token lacks the scope ${scope} that this operation requires`,
      { 'www-authenticate': `Bearer error="insufficient_scope", scope="${scope}"` },
    );
  }
}
