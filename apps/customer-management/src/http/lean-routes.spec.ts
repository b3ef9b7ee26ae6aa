import {
  Body,
  CallHandler,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Module,
  Param,
  Post,
  Req,
  Res,
  type Type,
  UseInterceptors,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { AppException, ErrorKind, TmfExceptionFilter } from '@app/tmf-common';
import { AuthGuard } from '@server/auth/auth.guard';
import { TokenVerifier } from '@server/auth/token-verifier';
import { AppConfig } from '@server/config/app-config';

import { LeanRoutes, serveLeanRoutes } from './lean-routes';

@LeanRoutes()
@Controller('thing')
class ThingController {
  readonly served: string[] = [];

  @Post()
  create(@Res({ passthrough: true }) reply: FastifyReply): string {
    void reply.header('location', '/thing/1');
    return '{"id":"1"}';
  }

  @Get(':id')
  retrieve(@Param('id') id: string, @Req() request: FastifyRequest): Promise<string> {
    if (id === 'missing') {
      return Promise.reject(new AppException(ErrorKind.NotFound, 'THING_NOT_FOUND', 'no thing'));
    }
    this.served.push(`${request.method} ${id}`);
    return Promise.resolve(`{"id":"${id}"}`);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  remove(): void {}
}

@LeanRoutes()
@Controller('body')
class BodyController {
  @Post()
  create(@Body() body: unknown): unknown {
    return body;
  }
}

@LeanRoutes()
@Controller('sent')
class SentController {
  @Get()
  read(@Res() reply: FastifyReply): void {
    void reply.send('sent');
  }
}

@LeanRoutes()
@Controller('intercepted')
class InterceptedController {
  @Get()
  @UseInterceptors({ intercept: (_context, next: CallHandler) => next.handle() })
  read(): string {
    return 'read';
  }
}

async function appWith(controller: Type): Promise<NestFastifyApplication> {
  @Module({
    controllers: [controller],
    providers: [
      AuthGuard,
      { provide: AppConfig, useValue: { auth: { enabled: false } } },
      { provide: TokenVerifier, useValue: {} },
    ],
  })
  class TestModule {}
  const app = await NestFactory.create<NestFastifyApplication>(TestModule, new FastifyAdapter(), {
    logger: false,
  });
  const errors = new TmfExceptionFilter();
  app.useGlobalFilters(errors);
  serveLeanRoutes(app, errors);
  await app.init();
  return app;
}

describe(LeanRoutes.name, () => {
  let sut: NestFastifyApplication | undefined;

  afterEach(async () => {
    await sut?.close();
    sut = undefined;
  });

  it("serves a controller's handlers with Nest's status codes, the handler's headers and body", async () => {
    sut = await appWith(ThingController);
    const fastify = sut.getHttpAdapter().getInstance();
    const created = await fastify.inject({ method: 'POST', url: '/thing' });
    expect([created.statusCode, created.headers.location, created.body]).toEqual([
      201,
      '/thing/1',
      '{"id":"1"}',
    ]);
    const read = await fastify.inject({ method: 'GET', url: '/thing/42' });
    expect([read.statusCode, read.body]).toEqual([200, '{"id":"42"}']);
    const deleted = await fastify.inject({ method: 'DELETE', url: '/thing/42' });
    expect([deleted.statusCode, deleted.body]).toEqual([204, '']);
    expect(sut.get(ThingController).served).toEqual(['GET 42']);
  });

  it('answers what the handler throws through the exception filter (a TMF Error)', async () => {
    sut = await appWith(ThingController);
    const res = await sut.getHttpAdapter().getInstance().inject({ url: '/thing/missing' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ '@type': 'Error', code: 'THING_NOT_FOUND', status: '404' });
  });

  it.each([
    [BodyController, /BodyController\.create: parameter 0 is not @Req\(\), @Res\(\) or @Param/],
    [SentController, /SentController\.read: @Res\(\) without passthrough/],
    [InterceptedController, /InterceptedController\.read: __interceptors__ is set/],
  ])('refuses at start-up a handler that needs more of Nest (%p)', async (controller, message) => {
    await expect(appWith(controller)).rejects.toThrow(message);
  });
});
