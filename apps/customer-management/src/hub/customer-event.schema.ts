import { defineEventQuerySchema } from '@app/tmf-query';
import { customerSchemaTree } from '@server/customer/customer.contract';

/** Descriptor of the four TMF629 v4 Customer events (`event.customer.<Customer path>`). */
export const customerEventQuerySchema = defineEventQuerySchema(
  'CustomerEvent',
  'customer',
  customerSchemaTree,
);
