// The query library's tests run on a copy of the Customer's schema and storage (libraries never
// import the app): the copy must stay the app's, or the oracle suites prove another resource.
import * as fixture from '@app/tmf-query/testing/customer-schema';
import { customerQuerySchema, customerSchemaTree } from '@server/customer/customer.schema';
import { customerSqlStorage } from '@server/customer/customer.storage';
import { customerEventQuerySchema } from '@server/hub/customer-event.schema';

describe("the query library's Customer fixture", () => {
  it('is the schema tree of the app, and the same query and event schemas', () => {
    expect(fixture.customerSchemaTree).toEqual(customerSchemaTree);
    expect(fixture.customerQuerySchema).toEqual(customerQuerySchema);
    expect(fixture.customerEventQuerySchema).toEqual(customerEventQuerySchema);
  });

  it("is the app's storage: tables, columns and value-indexed paths", () => {
    expect(fixture.customerSqlStorage).toEqual(customerSqlStorage);
  });
});
