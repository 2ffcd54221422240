import type { RawBuilder } from 'kysely'
import type { RowSource } from '../../db/row-source.js'
import { jsonObject } from '../../db/sql-json.js'
import type { ProductBody } from '../../schemas/products.js'
import type { ProductListRecord, ProductRecord } from './repository.js'

/** The API shape of a product, from its fields and its timestamps as ISO text. */
function productBody (row: Omit<ProductRecord, 'created_at' | 'updated_at' | 'version'>, currency: string, createdAt: string, updatedAt: string): ProductBody {
  return {
    id: row.id,
    sku: row.sku,
    name: row.name,
    description: row.description,
    price_cents: row.price_cents,
    currency,
    stock: row.stock,
    created_at: createdAt,
    updated_at: updatedAt
  }
}

export const presentProduct = (row: ProductRecord, currency: string): ProductBody =>
  productBody(row, currency, row.created_at.toISOString(), row.updated_at.toISOString())

export const presentListedProduct = (row: ProductListRecord, currency: string): ProductBody =>
  productBody(row, currency, row.created_at_iso, row.updated_at_iso)

/** The product columns its representation reads. */
export type PresentedProductColumns = Omit<ProductRecord, 'version'>

/**
 * presentProduct in SQL, for a statement that writes a product and the events showing it in one
 * round trip (the order statement's product.out_of_stock); test/routes/webhooks/payloads.test.ts
 * keeps it equal to GET /api/products/{id}.
 */
/** `currency`: an SQL expression, so a statement can take it from its own rows and stay free of parameters. */
export function productJson (row: RowSource<PresentedProductColumns>, currency: RawBuilder<string>): RawBuilder<ProductBody> {
  return jsonObject<ProductBody>({
    id: row.column('id'),
    sku: row.column('sku'),
    name: row.column('name'),
    description: row.column('description'),
    price_cents: row.column('price_cents'),
    currency,
    stock: row.column('stock'),
    created_at: row.iso('created_at'),
    updated_at: row.iso('updated_at')
  })
}
