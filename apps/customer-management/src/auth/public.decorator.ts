import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'auth:public';

/** Open without a token even when authentication is on (probes, metrics). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);
