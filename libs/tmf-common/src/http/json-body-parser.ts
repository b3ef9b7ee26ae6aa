import type { FastifyInstance, FastifyRequest } from 'fastify';
import secureJsonParse from 'secure-json-parse';

import { AppException, ErrorKind, JSON_MEDIA_TYPES } from '@app/tmf-common/core';

import { jsonTextProblem } from './json-text-check';

/**
 * Registers the only body parser: JSON for every JSON media type this API speaks. Prototype
 * poisoning (`__proto__`, `constructor.prototype`) is refused; syntax errors say where they are;
 * so are nesting too deep to process, numbers out of range and lone surrogates (`jsonTextProblem`).
 * Every other Content-Type is left without a parser, so Fastify answers 415.
 */
export function registerJsonBodyParser(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    [...JSON_MEDIA_TYPES],
    { parseAs: 'string' },
    (
      _request: FastifyRequest,
      body: string | Buffer,
      done: (err: Error | null, body?: unknown) => void,
    ) => {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      if (text.trim() === '') {
        done(
          new AppException(
            ErrorKind.BadRequest,
            'EMPTY_BODY',
            'The request body is empty; a JSON document is required',
          ),
        );
        return;
      }
      const problem = jsonTextProblem(text);
      if (problem) {
        done(
          new AppException(
            ErrorKind.BadRequest,
            'UNSUPPORTED_JSON',
            `JSON body refused: ${problem}`,
          ),
        );
        return;
      }
      try {
        done(
          null,
          secureJsonParse.parse(text, undefined, {
            protoAction: 'error',
            constructorAction: 'error',
          }),
        );
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        if (/forbidden (prototype|constructor) property/.test(reason)) {
          // Valid JSON, refused on purpose (prototype poisoning): say what, not "malformed".
          done(
            new AppException(
              ErrorKind.BadRequest,
              'UNSUPPORTED_JSON',
              'JSON body refused: a member named "__proto__" (or "constructor" holding "prototype") is not accepted',
            ),
          );
          return;
        }
        done(
          new AppException(
            ErrorKind.BadRequest,
            'MALFORMED_JSON',
            `Malformed JSON body: ${reason}`,
          ),
        );
      }
    },
  );
}
