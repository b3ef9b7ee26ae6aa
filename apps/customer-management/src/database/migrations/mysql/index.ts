import { CreateCustomer1795839810127 } from './1795839810127-create-customer';
import { CreateHub1795842135698 } from './1795842135698-create-hub';
import { CustomerSearchIndex1795842794153 } from './1795842794153-customer-search-index';
import { CustomerStatusSortIndexes1795844751230 } from './1795844751230-customer-status-sort-indexes';
import { HubDeliveryClaimIndex1795846892952 } from './1795846892952-hub-delivery-claim-index';
import { CustomerSearchIndexSplit1795860810135 } from './1795860810135-customer-search-index-split';
import { CustomerCounts1795910000000 } from './1795910000000-customer-counts';
import { CustomerV5Extension1795920000000 } from './1795920000000-customer-v5-extension';
import { HubOutbox1795940000000 } from './1795940000000-hub-outbox';
import { CustomerTokenIndex1795950000000 } from './1795950000000-customer-token-index';
import { HubSubscriptionVersion1795960000000 } from './1795960000000-hub-subscription-version';
import { CustomerIdSeqIndex1796000000000 } from './1796000000000-customer-id-seq-index';
import { CustomerTokenRepeats1796000001000 } from './1796000001000-customer-token-repeats';
import { HubGateV5Subscriptions1796030000000 } from './1796030000000-hub-gate-v5-subscriptions';
import { CustomerTokenCounts1796100000000 } from './1796100000000-customer-token-counts';
import { CustomerTokenCountGen1796120000000 } from './1796120000000-customer-token-count-gen';
import { CustomerTokenEpochs1796130000000 } from './1796130000000-customer-token-epochs';

/** MySQL 8 / MariaDB 10.6+ migrations in timestamp order. Append only; never edit a committed migration. */
export const MYSQL_MIGRATIONS = [
  CreateCustomer1795839810127,
  CreateHub1795842135698,
  CustomerSearchIndex1795842794153,
  CustomerStatusSortIndexes1795844751230,
  HubDeliveryClaimIndex1795846892952,
  CustomerSearchIndexSplit1795860810135,
  CustomerCounts1795910000000,
  CustomerV5Extension1795920000000,
  HubOutbox1795940000000,
  CustomerTokenIndex1795950000000,
  HubSubscriptionVersion1795960000000,
  CustomerIdSeqIndex1796000000000,
  CustomerTokenRepeats1796000001000,
  HubGateV5Subscriptions1796030000000,
  CustomerTokenCounts1796100000000,
  CustomerTokenCountGen1796120000000,
  CustomerTokenEpochs1796130000000,
];
