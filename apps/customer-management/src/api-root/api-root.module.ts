import { Module } from '@nestjs/common';

import { ApiRootController, ApiRootV5Controller } from './api-root.controller';

@Module({ controllers: [ApiRootController, ApiRootV5Controller] })
export class ApiRootModule {}
