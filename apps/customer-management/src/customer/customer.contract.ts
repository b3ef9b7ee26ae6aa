// What other modules may use of the Customer module besides its events (./events): the resource's
// schema. The hub's client-side listener endpoints validate the customer inside an incoming event
// with it and document it in OpenAPI; its subscription queries filter on the customer inside the
// event through the schema tree. Lint allows the hub these two imports and nothing else here.
export { CustomerCreateDto } from './dto/customer-create.dto';
export { CustomerDto } from './dto/customer.dto';
export { customerSchemaTree } from './customer.schema';
