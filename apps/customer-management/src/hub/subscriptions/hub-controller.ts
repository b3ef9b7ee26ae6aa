import { applyDecorators, Controller } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { mediaTypeOf } from '@app/tmf-common';
import { RequireScope } from '@server/auth/scopes.decorator';

/** What `POST /hub` of either version answers: the new subscription and its `Location`. */
export interface Registered<T> {
  location: string;
  body: T;
}

/** A `/hub` controller (v4 or v5) at `paths`: tagged 'events subscription', needing the hub scope. */
export const HubController = (paths: string | string[]): ClassDecorator =>
  applyDecorators(ApiTags('events subscription'), RequireScope('hub'), Controller(paths));

/**
 * `POST /hub`: registers from the raw body, which the service checks against its media type (a
 * DTO would let the validation pipe answer first, in another error shape), then names the new
 * subscription in `Location` and answers its body.
 */
export async function registerFrom<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  register: (body: unknown, mediaType: string | undefined) => Promise<Registered<T>>,
): Promise<T> {
  const view = await register(request.body, mediaTypeOf(request.headers['content-type']));
  void reply.header('location', view.location);
  return view.body;
}
