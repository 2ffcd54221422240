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
