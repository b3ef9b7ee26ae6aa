import { ApiProperty, ApiSchema } from '@nestjs/swagger';

import { CustomerCreateDto } from './customer-create.dto';

/** TMF629 v4 `Customer` as returned: the stored document plus server-made `id` and `href`. */
@ApiSchema({ name: 'Customer' })
export class CustomerDto extends CustomerCreateDto {
  @ApiProperty({ description: 'Unique identifier for Customers (UUID)' })
  id!: string;

  @ApiProperty({ description: 'Url used to reference the customer' })
  href!: string;
}
