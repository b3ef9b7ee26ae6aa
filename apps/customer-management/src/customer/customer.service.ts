import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';

import { applyPatch, changedAttributes, JsonValue, patchFormatOf } from '@app/json-patch';
import {
  DocumentValidator,
  entityTag,
  formatViolations,
  ifMatchHolds,
  isJsonObject,
  JsonObject,
  PageCursors,
  queryWithoutPaging,
} from '@app/tmf-common';
import {
  CompiledSql,
  KeysetCursorCodec,
  KeysetPosition,
  ParsedQuery,
  parseQuery,
  project,
  QueryErrorCode,
  QueryException,
  QuerySchema,
  SqlStorage,
} from '@app/tmf-query';
import { storeV4, StoredCustomer, V5Extension } from '@app/tmf629-v5';
import { AppConfig } from '@server/config/app-config';
import { KeyedSerializer } from '@server/database/keyed-serializer';
import { TransactionRunner } from '@server/database/transaction-runner';

import { counterKeyOf } from './customer-counts';
import { columnsOf } from './customer-document';
import { CustomerException } from './customer.exception';
import { customerHref, customerJson, customerResource, CustomerView } from './customer.mapper';
import { CustomerRepository, CustomerRow } from './customer.repository';
import { CustomerCreateDto } from './dto/customer-create.dto';
import { CustomerCreatedEvent, CustomerDeletedEvent, CustomerUpdatedEvent } from './events';
import { customerQuerySchema } from './customer.schema';
import { customerSqlStorage } from './customer.storage';

const SERVER_ASSIGNED = ['id', 'href'];
const DEFAULT_TYPE = 'Customer';
// Compiled once from the DTO's class-validator metadata (ADR 0004).
const CUSTOMER_VALIDATOR = new DocumentValidator(CustomerCreateDto, 'TMF629 Customer');

/** How a list reads and renders customers: the v4 view, or another version's (v5). */
export interface ListView {
  /** The schema the query's paths are parsed against. */
  schema: QuerySchema;
  /** Rewrites the parsed query onto the stored paths (v5); the identity for v4. */
  translate?: (query: ParsedQuery) => ParsedQuery;
  /** The storage description the filters compile against (its derived `href` is the view's). */
  storage: SqlStorage;
  /** Binds cursors to the view, so one version's cursor is refused by the other. */
  scope: string;
  /** Whether rows are read with their v5 side bags. */
  withExtensions: boolean;
  /** The JSON of one row, with `fields` applied. */
  render(row: CustomerRow, fields?: string[]): string;
}

/** A stored customer as read for a write, with its version. */
export interface LockedCustomer {
  row: CustomerRow;
  stored: StoredCustomer;
}

/** What a write through any version stored: the new version and both stored parts. */
export interface WrittenCustomer {
  id: string;
  version: number;
  stored: StoredCustomer;
  /** The stored document's JSON text, when this write wrote it (a response reuses it). */
  text?: string;
}

export function parseExtension(text: string | null | undefined): V5Extension | undefined {
  return text ? (JSON.parse(text) as V5Extension) : undefined;
}

function extensionText(extension: V5Extension | undefined): string | null {
  return extension ? JSON.stringify(extension) : null;
}

/** Rule matching of violations across versions of a document: array indexes left out. */
function violationKey(message: string): string {
  return message.replace(/\[\d+\]/g, '[]');
}

export interface CustomerPage {
  items: string[];
  /** Matches in all pages (X-Total-Count). */
  total: number;
  offset: number;
  limit: number;
  /** Keyset cursors of the next and previous pages (absent at either end). */
  cursors: PageCursors;
}

/** Customer rules: validation, defaults, server-assigned attributes, events. */
@Injectable()
export class CustomerService {
  private readonly cursors: KeysetCursorCodec;
  private readonly v4List: ListView;
  /** One write of a customer at a time in this process (keyed-serializer.ts says why). */
  private readonly perCustomer = new KeyedSerializer();

  constructor(
    private readonly repository: CustomerRepository,
    private readonly tx: TransactionRunner,
    private readonly events: EventEmitter2,
    private readonly config: AppConfig,
  ) {
    this.cursors = new KeysetCursorCodec(config.cursorSecret.key);
    if (config.cursorSecret.generated) {
      new Logger(CustomerService.name).warn(
        'CURSOR_SECRET is unset: list cursors are signed with a key of this process only; replicas ' +
          'serving the same clients need one shared CURSOR_SECRET',
      );
    }
    this.v4List = {
      schema: customerQuerySchema,
      storage: customerSqlStorage,
      scope: '',
      withExtensions: false,
      render: (row, fields) => this.view(row, fields).json,
    };
  }

  async create(body: unknown, mediaType: string | undefined): Promise<CustomerView> {
    if (mediaType !== 'application/json') {
      throw CustomerException.unsupportedMediaType(mediaType, ['application/json']);
    }
    const document = this.validated(body);
    const { id, version, text } = await this.insert({ document });
    const href = customerHref(this.config.publicBaseUrl, id);
    return { id, href, version, etag: entityTag(version), json: customerJson(id, href, text) };
  }

  /**
   * Stores a new customer (document and v5 side bag) and its created event, in one transaction.
   * The document is valid by the rules of the version that wrote it.
   */
  async insert(stored: StoredCustomer): Promise<WrittenCustomer & { text: string }> {
    // RFC 9562 version 7: time-ordered, so new rows and index entries append instead of landing
    // at random B-tree positions (SQLite and InnoDB alike).
    const id = uuidv7();
    const href = customerHref(this.config.publicBaseUrl, id);
    const { document, extension } = stored;
    const now = new Date();
    const text = JSON.stringify(document);
    await this.tx.write(async (manager) => {
      await this.repository.insert(manager, {
        id,
        version: 1,
        document: text,
        parsed: document,
        columns: columnsOf(document),
        now: now.getTime(),
        extension: extensionText(extension),
      });
      await this.events.emitAsync(
        CustomerCreatedEvent.eventName,
        new CustomerCreatedEvent(manager, customerResource(id, href, document), now, extension),
      );
    });
    return { id, version: 1, stored, text };
  }

  async get(id: string, fields?: string[]): Promise<CustomerView> {
    const row = await this.repository.findById(id);
    if (!row) {
      throw CustomerException.notFound(id);
    }
    return this.view(row, fields);
  }

  /** The stored customer with its v5 side bag (404 when there is none). */
  async findStored(id: string): Promise<LockedCustomer> {
    const row = await this.repository.findWithExtension(id);
    if (!row) {
      throw CustomerException.notFound(id);
    }
    return { row, stored: storedOf(row) };
  }

  /**
   * TMF630 query: filters on any attribute path, sort, offset/limit or a keyset cursor, fields; run
   * in the database. The cursors of the pages around this one start at its first and last rows.
   */
  async list(rawQuery: string, view: ListView = this.v4List): Promise<CustomerPage> {
    const parsed = parseQuery(rawQuery, view.schema, {
      paging: { defaultLimit: this.config.listDefaultLimit, maxLimit: this.config.listMaxLimit },
    });
    const query = view.translate ? view.translate(parsed) : parsed;
    const compiled = await this.repository.compile(query, view.storage, {
      baseUrl: this.config.publicBaseUrl,
    });
    // A cursor is bound to the view, filter, sort and fields it was issued for, not to the page size.
    const scope = view.scope + queryWithoutPaging(rawQuery).join('&');
    const cursor = query.page?.cursor;
    const position = cursor === undefined ? undefined : this.position(cursor, scope, compiled);
    const found = await this.repository.findPage(
      compiled,
      position,
      counterKeyOf(query),
      view.withExtensions,
    );
    const page = query.page ?? { offset: 0, limit: this.config.listDefaultLimit };
    const fields = query.fields ? [...query.fields] : undefined;
    const { firstKeys, lastKeys } = found;
    let hasNext: boolean;
    let hasPrev: boolean;
    if (position) {
      // The cursor's own row lies on the other side.
      hasNext = position.direction === 'before' || found.more;
      hasPrev = position.direction === 'after' || found.more;
    } else {
      hasNext = page.offset + found.rows.length < found.total;
      hasPrev = page.offset > 0;
    }
    return {
      items: found.rows.map((row) => view.render(row, fields)),
      total: found.total,
      offset: page.offset,
      limit: page.limit,
      cursors: {
        next:
          hasNext && lastKeys
            ? this.cursors.encode({ direction: 'after', values: lastKeys }, scope)
            : undefined,
        prev:
          hasPrev && firstKeys
            ? this.cursors.encode({ direction: 'before', values: firstKeys }, scope)
            : undefined,
      },
    };
  }

  private position(cursor: string, scope: string, compiled: CompiledSql): KeysetPosition {
    const position = this.cursors.decode(cursor, scope);
    if (position.values.length !== compiled.keys.length) {
      throw new QueryException(
        QueryErrorCode.InvalidCursor,
        "The 'cursor' does not fit this query's sort; start again from the first page",
      );
    }
    return position;
  }

  /**
   * Applies a merge patch, JSON Patch or JSON Patch Query (by Content-Type) atomically: the row is
   * locked, the patch applied to a copy, the result validated whole, and only then written.
   */
  async patch(
    id: string,
    body: unknown,
    contentType: string | undefined,
    ifMatch?: string,
  ): Promise<CustomerView> {
    // Before touching the store: an unsupported type is a 415 whatever the customer.
    const format = patchFormatOf(contentType);
    if (format === 'merge-patch' && isJsonObject(body)) {
      this.rejectServerAssigned(body);
    }
    const href = customerHref(this.config.publicBaseUrl, id);
    const written = await this.update(id, ifMatch, ({ stored }) => {
      const before = stored.document;
      // The patch sees the resource as clients do, id and href included (e.g. for `test /id`).
      const patched = applyPatch({ id, href, ...before }, body, contentType);
      const after = this.withoutServerAssigned(patched, id, href, before);
      // The side bag follows the elements it annotates (docs/v5.md, "v4 write").
      return stored.extension ? storeV4(after, stored) : { document: after };
    });
    const text = written.text ?? JSON.stringify(written.stored.document);
    return {
      id,
      href,
      version: written.version,
      etag: entityTag(written.version),
      json: customerJson(id, href, text),
    };
  }

  /**
   * Writes a new version of a customer atomically: the row is locked (404 when there is none, 412
   * when `If-Match` fails), `next` computes what to store from what is stored (throwing to refuse),
   * and only a change is written, with its updated event. No change: the current version, unwritten.
   */
  async update(
    id: string,
    ifMatch: string | undefined,
    next: (current: LockedCustomer) => StoredCustomer,
  ): Promise<WrittenCustomer> {
    return this.perCustomer.run(id, () => this.updateNow(id, ifMatch, next));
  }

  private updateNow(
    id: string,
    ifMatch: string | undefined,
    next: (current: LockedCustomer) => StoredCustomer,
  ): Promise<WrittenCustomer> {
    return this.tx.write(async (manager) => {
      const row = await this.lockForWrite(manager, id, ifMatch);
      const current = storedOf(row);
      const stored = next({ row, stored: current });
      const before = current.document;
      const after = stored.document;
      const changed = changedAttributes(before, after);
      const extension = extensionText(stored.extension);
      const sameExtension = extension === (row.extension ?? null);
      if (changed.length === 0 && sameExtension) {
        return { id, version: row.version, stored: current };
      }
      const href = customerHref(this.config.publicBaseUrl, id);
      const text = changed.length === 0 ? row.document : JSON.stringify(after);
      const now = new Date();
      const version = row.version + 1;
      const written = await this.repository.update(
        manager,
        {
          id,
          version,
          document: text,
          parsed: after,
          columns: columnsOf(after),
          now: now.getTime(),
          extension,
        },
        row.version,
        { document: before, changed, extension: row.extension ?? null, seq: row.seq },
      );
      if (!written) {
        // The row lock (MySQL) or the single writer (SQLite) makes this unreachable; fail loudly.
        throw new Error(`Customer ${id} changed during its own locked update`);
      }
      await this.events.emitAsync(
        CustomerUpdatedEvent.eventName,
        new CustomerUpdatedEvent(
          manager,
          customerResource(id, href, before),
          customerResource(id, href, after),
          changed,
          now,
          current.extension,
          stored.extension,
        ),
      );
      return { id, version, stored, text };
    }, this.repository.lockAhead(id));
  }

  async delete(id: string, ifMatch?: string): Promise<void> {
    await this.perCustomer.run(id, () => this.deleteNow(id, ifMatch));
  }

  private async deleteNow(id: string, ifMatch?: string): Promise<void> {
    await this.tx.write(async (manager) => {
      const row = await this.lockForWrite(manager, id, ifMatch);
      const last = JSON.parse(row.document) as JsonObject;
      if (!(await this.repository.delete(manager, row, last))) {
        throw CustomerException.notFound(id);
      }
      const href = customerHref(this.config.publicBaseUrl, id);
      await this.events.emitAsync(
        CustomerDeletedEvent.eventName,
        new CustomerDeletedEvent(
          manager,
          customerResource(id, href, last),
          new Date(),
          parseExtension(row.extension),
        ),
      );
    }, this.repository.lockAhead(id));
  }

  /**
   * Inside a write transaction: the customer's row, locked until commit (404 when there is none),
   * whose current version satisfies `If-Match` (412 with the current ETag otherwise).
   */
  async lockForWrite(
    manager: EntityManager,
    id: string,
    ifMatch: string | undefined,
  ): Promise<CustomerRow> {
    const row = await this.repository.findForUpdate(manager, id);
    if (!row) {
      throw CustomerException.notFound(id);
    }
    const current = entityTag(row.version);
    if (!ifMatchHolds(ifMatch, current)) {
      throw CustomerException.preconditionFailed(id, current);
    }
    return row;
  }

  /**
   * Checks a whole customer document with the create rules; returns a copy safe to store. A document
   * without `@type` is a plain `Customer`, after a create and after a patch that removed it alike, so
   * the stored document, the `@type` column, list filters and hub queries always agree.
   */
  private validated(body: unknown, before?: JsonObject): JsonObject {
    if (!isJsonObject(body)) {
      throw CustomerException.invalid('The body must be a JSON object');
    }
    this.rejectServerAssigned(body);
    let violations = CUSTOMER_VALIDATOR.validate(body);
    if (violations.length > 0 && before) {
      const existing = new Map<string, number>();
      for (const v of CUSTOMER_VALIDATOR.validate(before)) {
        existing.set(violationKey(v.message), (existing.get(violationKey(v.message)) ?? 0) + 1);
      }
      violations = violations.filter((v) => {
        const left = existing.get(violationKey(v.message)) ?? 0;
        existing.set(violationKey(v.message), left - 1);
        return left <= 0;
      });
    }
    if (violations.length > 0) {
      throw CustomerException.invalid(`Invalid Customer: ${formatViolations(violations)}`);
    }
    return { ...body, '@type': body['@type'] ?? DEFAULT_TYPE };
  }

  /**
   * The patched resource minus id/href, which must come out of the patch unchanged, checked with
   * the create rules. A customer written through v5 may lack what v4 requires (docs/v5.md): a v4
   * patch is refused only for the violations it introduces.
   */
  private withoutServerAssigned(
    patched: JsonValue,
    id: string,
    href: string,
    before: JsonObject,
  ): JsonObject {
    if (!isJsonObject(patched)) {
      throw CustomerException.invalid('The patch must leave the Customer a JSON object');
    }
    const changedIds = (['id', 'href'] as const).filter(
      (key) => patched[key] !== (key === 'id' ? id : href),
    );
    if (changedIds.length > 0) {
      throw CustomerException.immutable(changedIds);
    }
    const { id: _id, href: _href, ...rest } = patched;
    return this.validated(rest, before);
  }

  private rejectServerAssigned(body: JsonObject): void {
    const present = SERVER_ASSIGNED.filter((key) => key in body);
    if (present.length > 0) {
      throw CustomerException.immutable(present);
    }
  }

  private view(row: CustomerRow, fields?: string[]): CustomerView {
    const href = customerHref(this.config.publicBaseUrl, row.id);
    if (!fields) {
      return {
        id: row.id,
        href,
        version: row.version,
        etag: entityTag(row.version),
        json: customerJson(row.id, href, row.document),
      };
    }
    const document = JSON.parse(row.document) as JsonObject;
    const projected = project(customerResource(row.id, href, document), fields);
    return {
      id: row.id,
      href,
      version: row.version,
      etag: entityTag(row.version, fields),
      json: JSON.stringify(projected),
    };
  }
}

/** The stored parts of a row read with its side bag. */
export function storedOf(row: CustomerRow): LockedCustomer['stored'] {
  const document = JSON.parse(row.document) as JsonObject;
  const extension = parseExtension(row.extension);
  return extension ? { document, extension } : { document };
}
