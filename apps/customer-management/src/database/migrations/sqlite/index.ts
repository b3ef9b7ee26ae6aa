import { CreateCustomer1795839805948 } from './1795839805948-create-customer';
import { CreateHub1795842135698 } from './1795842135698-create-hub';
import { CustomerSearchIndex1795842794153 } from './1795842794153-customer-search-index';
import { CustomerStatusSortIndexes1795844751230 } from './1795844751230-customer-status-sort-indexes';
import { HubDeliveryClaimIndex1795846892952 } from './1795846892952-hub-delivery-claim-index';
import { CustomerSearchIndexSplit1795860810135 } from './1795860810135-customer-search-index-split';
import { CustomerTokenIndex1795900000000 } from './1795900000000-customer-token-index';
import { CustomerCounts1795910000000 } from './1795910000000-customer-counts';
import { CustomerV5Extension1795920000000 } from './1795920000000-customer-v5-extension';
import { HubOutbox1795940000000 } from './1795940000000-hub-outbox';
import { HubSubscriptionVersion1795960000000 } from './1795960000000-hub-subscription-version';
import { CustomerSeqOrder1795970000000 } from './1795970000000-customer-seq-order';
import { CustomerSearchDeleteMerge1795980000000 } from './1795980000000-customer-search-delete-merge';
import { CustomerSearchRepeatMarkers1796020000000 } from './1796020000000-customer-search-repeat-markers';
import { HubGateV5Subscriptions1796030000000 } from './1796030000000-hub-gate-v5-subscriptions';
import { CustomerSearchCopies1796080000000 } from './1796080000000-customer-search-copies';
import { CustomerTokenCounts1796080001000 } from './1796080001000-customer-token-counts';
import { CustomerSearchDateBuckets1796090000000 } from './1796090000000-customer-search-date-buckets';
import { CustomerSearchOneRow1796140000000 } from './1796140000000-customer-search-one-row';

/** SQLite migrations in timestamp order. Append only; never edit a committed migration. */
export const SQLITE_MIGRATIONS = [
  CreateCustomer1795839805948,
  CreateHub1795842135698,
  CustomerSearchIndex1795842794153,
  CustomerStatusSortIndexes1795844751230,
  HubDeliveryClaimIndex1795846892952,
  CustomerSearchIndexSplit1795860810135,
  CustomerTokenIndex1795900000000,
  CustomerCounts1795910000000,
  CustomerV5Extension1795920000000,
  HubOutbox1795940000000,
  HubSubscriptionVersion1795960000000,
  CustomerSeqOrder1795970000000,
  CustomerSearchDeleteMerge1795980000000,
  CustomerSearchRepeatMarkers1796020000000,
  HubGateV5Subscriptions1796030000000,
  CustomerSearchCopies1796080000000,
  CustomerTokenCounts1796080001000,
  CustomerSearchDateBuckets1796090000000,
  CustomerSearchOneRow1796140000000,
];
