import { Type, type Static } from 'typebox'
import { MAX_TEXT_LENGTH } from './bounds.js'
import { CheckedLater, Currency, NotBlankText, SearchText, Page, PaginationQuery, resourceResponses, Timestamp, Uuid } from './common.js'
import { Problem } from './problem.js'

export const MAX_PRICE_CENTS = 10_000_000_000
export const MAX_STOCK = 1_000_000_000
export const MAX_SKU_LENGTH = 64
export const MAX_PRODUCT_NAME_LENGTH = 200

export const Sku = Type.String({
  maxLength: MAX_SKU_LENGTH,
  pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$',
  description: 'Stock keeping unit, unique across the catalog (archived products keep theirs): 1..64 of letters, digits, ".", "_", "-", starting with a letter or digit',
  examples: ['TSHIRT-RED-M']
})
export const ProductName = NotBlankText({
  maxLength: MAX_PRODUCT_NAME_LENGTH,
  description: 'Display name, 1..200 characters, not only whitespace or invisible characters',
  examples: ['Red T-shirt (M)']
})
export const Description = Type.String({
  maxLength: MAX_TEXT_LENGTH,
  description: 'Free text, up to 5000 characters; empty when omitted on create/replace',
  examples: ['100% organic cotton, regular fit.']
})
export const PriceCents = Type.Integer({
  format: 'int64',
  minimum: 0,
  maximum: MAX_PRICE_CENTS,
  description: 'Unit price in minor units of the store currency (0..10^10)',
  examples: [1999]
})
export const Stock = Type.Integer({
  format: 'int32',
  minimum: 0,
  maximum: MAX_STOCK,
  description: 'Units available for sale (0..10^9)',
  examples: [42]
})

export const Product = Type.Object({
  id: Uuid,
  sku: Sku,
  name: ProductName,
  description: Description,
  price_cents: PriceCents,
  currency: Currency,
  stock: Stock,
  created_at: Timestamp,
  updated_at: Timestamp
}, {
  $id: 'Product',
  title: 'Product',
  description: 'A catalog product',
  examples: [{
    id: '3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13',
    sku: 'TSHIRT-RED-M',
    name: 'Red T-shirt (M)',
    description: '100% organic cotton, regular fit.',
    price_cents: 1999,
    currency: 'EUR',
    stock: 42,
    created_at: '2026-11-24T10:00:00.000Z',
    updated_at: '2026-11-24T10:00:00.000Z'
  }]
})

const writableFields = {
  sku: Sku,
  name: ProductName,
  description: Type.Optional(Description),
  price_cents: PriceCents,
  stock: Stock
}

const bodyExample = { sku: 'TSHIRT-RED-M', name: 'Red T-shirt (M)', description: '100% organic cotton, regular fit.', price_cents: 1999, stock: 42 }

/** The whole writable state: what POST creates and PUT replaces (one component for both). */
export const WriteProductRequest = Type.Object(writableFields, {
  additionalProperties: false,
  $id: 'WriteProductRequest',
  title: 'WriteProductRequest',
  description: 'The full writable state of a product: POST creates it, PUT replaces it (an omitted description becomes empty); id, currency and timestamps are set by the server',
  examples: [bodyExample]
})

export const UpdateProductBody = Type.Object({
  sku: Type.Optional(Sku),
  name: Type.Optional(ProductName),
  description: Type.Optional(Description),
  price_cents: Type.Optional(PriceCents),
  stock: Type.Optional(Stock)
}, {
  additionalProperties: false,
  minProperties: 1,
  $id: 'UpdateProductRequest',
  title: 'UpdateProductRequest',
  description: 'The fields to change (PATCH); at least one',
  examples: [{ price_cents: 1499, stock: 40 }]
})

export const PRODUCT_SORTS = ['created_at', '-created_at', 'price_cents', '-price_cents', 'name', 'relevance'] as const
export type ProductSort = typeof PRODUCT_SORTS[number]

export const ProductSortParam = Type.Union(PRODUCT_SORTS.map((sort) => Type.Literal(sort)), {
  title: 'ProductSort',
  default: 'created_at',
  description: 'Order of the list; "-" means descending. Ties are broken by id. A cursor only continues the sort it was made for. ' +
    '"relevance" (only with q; 400 without) lists the best trigram match of q against the name or the sku first ' +
    '(the greater pg_trgm similarity, to 6 decimals), ties by id descending; its cursor is a keyset on (score, id), so pages ' +
    'neither repeat nor skip products while the catalog is unchanged.',
  examples: ['-price_cents']
})

export const ListProductsQuery = Type.Object({
  ...PaginationQuery,
  q: Type.Optional(SearchText('Case-insensitive substring of the name or the sku (% and _ match literally)', 'shirt')),
  min_price_cents: Type.Optional(Type.Integer({ format: 'int64', minimum: 0, maximum: MAX_PRICE_CENTS, description: 'Only products priced at least this', examples: [1000] })),
  max_price_cents: Type.Optional(Type.Integer({ format: 'int64', minimum: 0, maximum: MAX_PRICE_CENTS, description: 'Only products priced at most this', examples: [5000] })),
  in_stock: Type.Optional(Type.Boolean({ description: 'true: only stock > 0; false: only stock = 0', examples: [true] })),
  sort: Type.Optional(ProductSortParam)
}, { additionalProperties: false })

/** The list's filters and sort order, without paging: an export is every matching product. */
export const ExportProductsQuery = Type.Omit(ListProductsQuery, ['limit', 'cursor'], { additionalProperties: false })

export const ProductPage = Page(Product, 'ProductPage', 'One page of products')

export const {
  one: ProductResponse,
  created: CreatedProductResponse,
  page: ProductPageResponse
} = resourceResponses(Product, ProductPage, { noun: 'product', collection: 'products', pageDescription: 'One page of products' })

export type ProductBody = Static<typeof Product>
export type CreateProductInput = Static<typeof WriteProductRequest>
export type UpdateProductInput = Static<typeof UpdateProductBody>
export type ListProductsInput = Static<typeof ListProductsQuery>
export type ExportProductsInput = Static<typeof ExportProductsQuery>

export const MAX_BATCH_ITEMS = 1000

export const BatchMode = Type.Union([Type.Literal('per_item'), Type.Literal('all_or_nothing')], {
  title: 'BatchMode',
  description: 'per_item: the good items are written, each bad one gets its problem; all_or_nothing: one bad item and nothing is written (409 BATCH_REJECTED with every result)',
  examples: ['per_item']
})

export const BatchUpsertBody = Type.Object({
  items: Type.Array(CheckedLater('WriteProductRequest', 'A product to create or replace, checked on its own: a bad item gets its problem in its result'), { maxItems: MAX_BATCH_ITEMS, minItems: 1, description: 'Up to 1000 products, each a WriteProductRequest, matched by sku: a new sku is created (201), a known one replaced (200). ' + 'Each item is validated on its own, so a bad item is reported in its result rather than refusing the whole batch.' }),
  mode: BatchMode
}, {
  additionalProperties: false,
  $id: 'UpsertProductBatchRequest',
  title: 'UpsertProductBatchRequest',
  description: 'Up to 1000 products to create or replace by sku, and how refusals are handled',
  examples: [{ mode: 'per_item', items: [{ sku: 'TSHIRT-RED-M', name: 'Red T-shirt (M)', price_cents: 1999, stock: 42 }] }]
})

export const BatchItemResult = Type.Object({
  index: Type.Integer({ format: 'int32', minimum: 0, maximum: MAX_BATCH_ITEMS - 1, description: 'Position of the item in the request', examples: [0] }),
  status: Type.Integer({ format: 'int32', minimum: 200, maximum: 599, description: '201 created, 200 replaced, 4xx refused (see problem)', examples: [201] }),
  product: Type.Optional(Product),
  problem: Type.Optional(Problem)
}, { $id: 'ProductBatchResult', title: 'ProductBatchResult', description: 'The outcome of one item, with the product written or the problem that refused it' })

export const BatchUpsertResponse = Type.Object({
  results: Type.Array(BatchItemResult, { maxItems: MAX_BATCH_ITEMS, description: 'One per item, in input order' })
}, {
  $id: 'ProductBatchResponse',
  title: 'ProductBatchResponse',
  description: 'The outcome of every item, in input order (with `Idempotent-Replayed: true` when replayed for the same Idempotency-Key)'
})

export type BatchUpsertInput = Static<typeof BatchUpsertBody>
export type BatchItemResultBody = Static<typeof BatchItemResult>
export type BatchUpsertResponseBody = Static<typeof BatchUpsertResponse>
