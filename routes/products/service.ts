import type { Db } from '../../db/database.js'
import { AppError } from '../../lib/app-error.js'
import type { CreateProductInput, ExportProductsInput, ListProductsInput, ProductSort, UpdateProductInput } from '../../schemas/products.js'
import { FOREIGN_KEY_VIOLATION, isConstraintViolation, UNIQUE_VIOLATION } from '../../db/errors.js'
import { decodeSortCursor, pageBySort, type KeysetPosition, type SortOrder } from '../../lib/http/keyset.js'
import { readSnapshot } from '../../db/read-snapshot.js'
import type { DatabaseHandle } from '../../db/connect.js'
import { recordAudit, type AuditContext } from '../audit/record.js'
import * as repo from './repository.js'
import type { ProductListRecord, ProductRecord, ProductSortColumn } from './repository.js'
import type { ProductReader } from './coalesced-reads.js'
import { HTTP_PROBLEMS } from '../../lib/problems/http.js'
import { PRODUCT_PROBLEMS } from './problems.js'
import type { Precondition } from '../../lib/http/etag.js'
import { recordProductsEmptied } from './events.js'
import { presentProduct } from './presenter.js'

const DEFAULT_LIMIT = 20

const SORTS: Record<ProductSort, SortOrder<ProductSortColumn>> = {
  created_at: { name: 'created_at', column: 'created_at', kind: 'timestamp', descending: false },
  '-created_at': { name: '-created_at', column: 'created_at', kind: 'timestamp', descending: true },
  price_cents: { name: 'price_cents', column: 'price_cents', kind: 'integer', descending: false },
  '-price_cents': { name: '-price_cents', column: 'price_cents', kind: 'integer', descending: true },
  name: { name: 'name', column: 'name', kind: 'text', descending: false },
  relevance: { name: 'relevance', column: 'relevance', kind: 'integer', descending: true }
}

function sortKey (row: ProductListRecord, column: ProductSortColumn): string | number {
  if (column === 'price_cents') return row.price_cents
  if (column === 'name') return row.name
  if (column === 'relevance') return row.relevance_key
  return row.created_at_key
}

const productNotFound = (): AppError => new AppError(PRODUCT_PROBLEMS.PRODUCT_NOT_FOUND, 'No product with this id')

function skuTakenOr (error: unknown): unknown {
  return isConstraintViolation(error, UNIQUE_VIOLATION, 'products_sku_key')
    ? new AppError(PRODUCT_PROBLEMS.SKU_TAKEN, 'Another product already has this sku', { errors: [{ pointer: '/sku', in: 'body', detail: 'is already taken' }] })
    : error
}

/** The list's filters and sort order, checked: min <= max price, relevance only with a search term. */
function productListing (query: ExportProductsInput): { filter: repo.ProductFilter, sort: SortOrder<ProductSortColumn> } {
  const { min_price_cents: min, max_price_cents: max } = query
  if (min !== undefined && max !== undefined && min > max) {
    throw new AppError(HTTP_PROBLEMS.VALIDATION_FAILED, 'querystring/max_price_cents must be >= min_price_cents', {
      errors: [{ pointer: '/max_price_cents', in: 'query', detail: 'must be >= min_price_cents' }]
    })
  }
  if (query.sort === 'relevance' && query.q === undefined) {
    throw new AppError(HTTP_PROBLEMS.VALIDATION_FAILED, 'querystring/sort=relevance requires q', {
      errors: [{ pointer: '/sort', in: 'query', detail: 'relevance needs a search term (q)' }]
    })
  }
  return { filter: { q: query.q, minPriceCents: min, maxPriceCents: max, inStock: query.in_stock }, sort: SORTS[query.sort ?? 'created_at'] }
}

export async function listProductPage (db: Db, query: ListProductsInput): Promise<{ rows: ProductListRecord[], nextCursor: string | null }> {
  const { filter, sort } = productListing(query)
  const limit = query.limit ?? DEFAULT_LIMIT
  const after = decodeSortCursor(query.cursor, sort)
  const rows = await repo.listProducts(db, filter, sort, after, limit)
  const { page, nextCursor } = pageBySort(rows, limit, sort, (row) => sortKey(row, sort.column))
  return { rows: page, nextCursor }
}

/** Rows an export reads at a time: a cursor fetch (Postgres) or a keyset page (PGlite). */
const EXPORT_CHUNK_ROWS = 1000

/**
 * Every product the list would show for these filters, in the list's order, in constant memory.
 * The filters are checked now (a bad one fails before any database work). Postgres: one
 * statement read through a server-side cursor in a read-only snapshot (db/read-snapshot.ts).
 * PGlite (embedded dev mode, one connection): the list's own keyset pages, each a short query
 * of its own, so other requests are served between them; no snapshot across pages, but the
 * keyset never repeats a row and skips only rows moved behind it by a concurrent change.
 */
export function exportProducts (db: Db, engine: DatabaseHandle['kind'], query: ExportProductsInput): AsyncIterable<ProductListRecord> {
  const { filter, sort } = productListing(query)
  if (engine === 'postgres') return readSnapshot(db, (snapshot) => repo.streamProducts(snapshot, filter, sort, EXPORT_CHUNK_ROWS))
  return keysetPages(db, filter, sort)
}

async function * keysetPages (db: Db, filter: repo.ProductFilter, sort: SortOrder<ProductSortColumn>): AsyncGenerator<ProductListRecord, void, undefined> {
  let after: KeysetPosition | null = null
  for (;;) {
    const rows = await repo.listProducts(db, filter, sort, after, EXPORT_CHUNK_ROWS)
    const page = rows.slice(0, EXPORT_CHUNK_ROWS)
    yield * page
    const last = page.at(-1)
    if (rows.length <= EXPORT_CHUNK_ROWS || last === undefined) return
    after = { value: sortKey(last, sort.column), id: last.id }
  }
}

export async function getProduct (read: ProductReader, id: string): Promise<ProductRecord> {
  const row = await read(id)
  if (row === undefined) throw productNotFound()
  return row
}

export async function createProduct (db: Db, input: CreateProductInput, audit: AuditContext): Promise<ProductRecord> {
  try {
    return await db.transaction().execute(async (trx) => {
      const row = await repo.insertProduct(trx, { ...input, description: input.description ?? '' })
      await recordAudit(trx, audit, { action: 'product.created', resource: { type: 'product', id: row.id }, before: null, after: row })
      return row
    })
  } catch (error) {
    throw skuTakenOr(error)
  }
}

/** What a product write needs besides the database: the store currency of the events it records. */
export interface ProductsContext {
  db: Db
  currency: string
}

/**
 * PUT (full replace) and PATCH (partial): the If-Match check and the write see the same locked row;
 * a write that empties the stock records product.out_of_stock in its transaction.
 */
export async function changeProduct (
  ctx: ProductsContext, id: string, fields: UpdateProductInput, precondition: Precondition, audit: AuditContext
): Promise<ProductRecord> {
  try {
    return await ctx.db.transaction().execute(async (trx) => {
      const current = await repo.lockProduct(trx, id)
      if (current === undefined) throw productNotFound()
      precondition(current)
      const updated = await repo.updateProduct(trx, id, fields)
      await recordAudit(trx, audit, { action: 'product.updated', resource: { type: 'product', id }, before: current, after: updated })
      if (current.stock > 0 && updated.stock === 0) await recordProductsEmptied(trx, [presentProduct(updated, ctx.currency)])
      return updated
    })
  } catch (error) {
    throw skuTakenOr(error)
  }
}

export const replacementOf = (input: CreateProductInput): UpdateProductInput => ({ ...input, description: input.description ?? '' })

/**
 * Deletes the product, or archives it when an order references it so order history
 * keeps its product. The product row is locked first: order creation locks it too,
 * so an order cannot slip in between the check and the delete. Should one arrive
 * anyway (the FK refuses the delete), the second attempt sees it and archives.
 */
export async function removeProduct (db: Db, id: string, precondition: Precondition, audit: AuditContext): Promise<'deleted' | 'archived'> {
  const resource = { type: 'product', id } as const
  const attempt = async (): Promise<'deleted' | 'archived'> => await db.transaction().execute(async (trx) => {
    const current = await repo.lockProduct(trx, id)
    if (current === undefined) throw productNotFound()
    precondition(current)
    if (await repo.isInAnyOrder(trx, id)) {
      await repo.archiveProduct(trx, id)
      await recordAudit(trx, audit, { action: 'product.archived', resource, before: { archived: false }, after: { archived: true } })
      return 'archived'
    }
    await repo.deleteProduct(trx, id)
    await recordAudit(trx, audit, { action: 'product.deleted', resource, before: current, after: null })
    return 'deleted'
  })
  try {
    return await attempt()
  } catch (error) {
    if (!isConstraintViolation(error, FOREIGN_KEY_VIOLATION, 'order_items_product_id_fkey')) throw error
    return await attempt()
  }
}
