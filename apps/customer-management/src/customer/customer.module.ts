import { Module } from '@nestjs/common';

import { CustomerController } from './customer.controller';
import { CustomerRepository } from './customer.repository';
import { CustomerService } from './customer.service';
import { TokenCountPromoter } from './token-count-promoter';
import { KeptTokenKeys } from './kept-token-keys';
import { TokenBitmaps } from './token-bitmaps';
import { TokenSets } from './token-sets';
import { TokenSweeper } from './token-sweeper';
import { CustomerV5Controller } from './v5/customer-v5.controller';
import { CustomerV5Service } from './v5/customer-v5.service';

@Module({
  controllers: [CustomerController, CustomerV5Controller],
  providers: [
    CustomerService,
    CustomerRepository,
    CustomerV5Service,
    TokenSweeper,
    TokenCountPromoter,
    KeptTokenKeys,
    TokenBitmaps,
    TokenSets,
  ],
  exports: [TokenSweeper, KeptTokenKeys, TokenSets],
})
export class CustomerModule {}
