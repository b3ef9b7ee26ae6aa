import { defineQuerySchema } from '@app/tmf-query';
import { customerV5SchemaTree } from '@app/tmf629-v5';

/**
 * Descriptor of the four TMF629 v5 Customer events (`Event` of the v5 file, `event.customer.<v5
 * Customer path>`): what a v5 subscription's query may name (docs/v5.md).
 */
export const customerEventV5QuerySchema = defineQuerySchema('CustomerEvent', {
  '@type': 'string',
  eventId: 'string',
  eventTime: 'date-time',
  eventType: 'string',
  timeOccurred: 'date-time',
  correlationId: 'string',
  domain: 'string',
  title: 'string',
  description: 'string',
  priority: 'string',
  fieldPath: 'string',
  event: { customer: customerV5SchemaTree },
});
