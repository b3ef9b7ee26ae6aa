import { ApiSchema, PartialType } from '@nestjs/swagger';

import { CustomerCreateDto } from './customer-create.dto';

/**
 * TMF629 v4 `Customer_Update` as documented: every attribute optional (the spec's
 * `required: [engagedParty]` is a generator artefact the CTK contradicts). The PATCH body is a merge
 * patch (or JSON Patch) and is validated by applying it and checking the result with the create rules.
 */
@ApiSchema({ name: 'Customer_Update', description: 'Skipped properties: id,href' })
export class CustomerUpdateDto extends PartialType(CustomerCreateDto) {}
