import { Injectable } from '@nestjs/common';

import { applyPatch, JsonValue, patchFormatOf } from '@app/json-patch';
import {
  CUSTOMER_MANAGEMENT_V5,
  entityTag,
  formatViolations,
  isJsonObject,
  JsonObject,
} from '@app/tmf-common';
import {
  customerV5QuerySchema,
  StoredCustomer,
  storeV5,
  translateV5Query,
  v5View,
} from '@app/tmf629-v5';
import { defineSqlStorage, parseQuery, project } from '@app/tmf-query';
import { AppConfig } from '@server/config/app-config';
import { customerQuerySchema } from '@server/customer/customer.schema';
import { customerSqlStorage } from '@server/customer/customer.storage';

import { CustomerException } from '@server/customer/customer.exception';
import { CustomerView } from '@server/customer/customer.mapper';
import {
  CustomerPage,
  CustomerService,
  ListView,
  storedOf,
} from '@server/customer/customer.service';
import { customerV5Violations } from './customer-v5.validation';

const SERVER_ASSIGNED = ['id', 'href'];

// Filters on `href` compare with the v5 href (`<base>/tmf-api/customerManagement/v5/customer/<id>`).
const V5_STORAGE = defineSqlStorage({
  ...customerSqlStorage,
  derivedHref: { path: 'href', resourcePath: `${CUSTOMER_MANAGEMENT_V5.customer}/` },
});

/** `fields` of a v5 request (read, create, patch): names from the v5 representation. */
export function v5FieldsParam(rawQuery: string): string[] | undefined {
  const fields = parseQuery(rawQuery, customerV5QuerySchema).fields;
  return fields && [...fields];
}

/**
 * TMF629 v5 over the one store (docs/v5.md): v5 requests are mapped onto the stored (v4) document
 * and its side bag, and written through the same service, transactions, indexes and events as v4.
 */
@Injectable()
export class CustomerV5Service {
  private readonly listView: ListView;

  constructor(
    private readonly customers: CustomerService,
    private readonly config: AppConfig,
  ) {
    this.listView = {
      schema: customerV5QuerySchema,
      translate: (query) => translateV5Query(query, customerQuerySchema),
      storage: V5_STORAGE,
      scope: 'v5:',
      withExtensions: true,
      render: (row, fields) => this.render(row.id, row.version, storedOf(row), fields).json,
    };
  }

  href(id: string): string {
    return `${this.config.publicBaseUrl}${CUSTOMER_MANAGEMENT_V5.customer}/${id}`;
  }

  async create(
    body: unknown,
    mediaType: string | undefined,
    fields?: string[],
  ): Promise<CustomerView> {
    if (mediaType !== 'application/json') {
      throw CustomerException.unsupportedMediaType(mediaType, ['application/json']);
    }
    const customer = this.validated(body);
    const written = await this.customers.insert(storeV5(customer));
    return this.render(written.id, written.version, written.stored, fields);
  }

  async get(id: string, fields?: string[]): Promise<CustomerView> {
    const { row, stored } = await this.customers.findStored(id);
    return this.render(row.id, row.version, stored, fields);
  }

  list(rawQuery: string): Promise<CustomerPage> {
    return this.customers.list(rawQuery, this.listView);
  }

  /**
   * Merge patch, JSON Patch or JSON Patch Query on the v5 representation; the result is checked
   * whole with the create rules, then stored over the current document (v4-only details kept).
   */
  async patch(
    id: string,
    body: unknown,
    contentType: string | undefined,
    ifMatch: string | undefined,
    fields?: string[],
  ): Promise<CustomerView> {
    const format = patchFormatOf(contentType);
    if (format === 'merge-patch' && isJsonObject(body)) {
      this.rejectServerAssigned(body);
    }
    const href = this.href(id);
    const written = await this.customers.update(id, ifMatch, ({ stored }) => {
      const patched = applyPatch({ id, href, ...v5View(stored) }, body, contentType);
      return storeV5(this.withoutServerAssigned(patched, id, href), stored);
    });
    return this.render(id, written.version, written.stored, fields);
  }

  delete(id: string, ifMatch: string | undefined): Promise<void> {
    return this.customers.delete(id, ifMatch);
  }

  private render(
    id: string,
    version: number,
    stored: StoredCustomer,
    fields?: string[],
  ): CustomerView {
    const href = this.href(id);
    const resource = { id, href, ...v5View(stored) };
    return {
      id,
      href,
      version,
      etag: entityTag(version, fields),
      json: JSON.stringify(fields ? project(resource, fields) : resource),
    };
  }

  private validated(body: unknown): JsonObject {
    if (!isJsonObject(body)) {
      throw CustomerException.invalid('The body must be a JSON object');
    }
    this.rejectServerAssigned(body);
    const violations = customerV5Violations(body);
    if (violations.length > 0) {
      throw CustomerException.invalid(`Invalid Customer: ${formatViolations(violations)}`);
    }
    return body;
  }

  private withoutServerAssigned(patched: JsonValue, id: string, href: string): JsonObject {
    if (!isJsonObject(patched)) {
      throw CustomerException.invalid('The patch must leave the Customer a JSON object');
    }
    const changed = SERVER_ASSIGNED.filter((key) => patched[key] !== (key === 'id' ? id : href));
    if (changed.length > 0) {
      throw CustomerException.immutable(changed);
    }
    const { id: _id, href: _href, ...rest } = patched;
    return this.validated(rest);
  }

  private rejectServerAssigned(body: JsonObject): void {
    const present = SERVER_ASSIGNED.filter((key) => key in body);
    if (present.length > 0) {
      throw CustomerException.immutable(present);
    }
  }
}
