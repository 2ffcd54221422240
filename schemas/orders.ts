import { Type, type Static } from 'typebox'
import { Currency, IdempotencyHeaders, PaginationQuery, Page, Timestamp, Uuid, UuidOf } from './common.js'
import { MAX_PRICE_CENTS, MAX_PRODUCT_NAME_LENGTH, MAX_SKU_LENGTH } from './products.js'

export const MAX_ORDER_LINES = 100
export const MAX_LINE_QUANTITY = 1000
/** The largest line subtotal and order total the bounds allow (10^13 and 10^15: exact in a JS number). */
export const MAX_SUBTOTAL_CENTS = MAX_PRICE_CENTS * MAX_LINE_QUANTITY
export const MAX_TOTAL_CENTS = MAX_SUBTOTAL_CENTS * MAX_ORDER_LINES

const statusSchema = (description: string) => Type.Union([
  Type.Literal('pending'),
  Type.Literal('paid'),
  Type.Literal('shipped'),
  Type.Literal('delivered'),
  Type.Literal('cancelled')
], { title: 'OrderStatus', description, examples: ['pending'] })
/** Every status at most once. */
const STATUS_COUNT = 5

export const OrderStatus = statusSchema('pending -> paid -> shipped -> delivered; pending|paid -> cancelled')

const timestampSchema = (description: string) =>
  Type.String({ format: 'date-time', maxLength: 64, description, examples: ['2026-11-24T10:00:00.000Z'] })

const ProductId = UuidOf('The product ordered', '0b8f5a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b')
const CUSTOMER_EXAMPLE = '7d9e2c1a-4b3f-4a6e-9d8c-1f2e3a4b5c6d'

export const OrderLineInput = Type.Object({
  product_id: ProductId,
  quantity: Type.Integer({ format: 'int32', minimum: 1, maximum: MAX_LINE_QUANTITY, description: `Units to order (1..${MAX_LINE_QUANTITY}); lines for the same product are merged and the merged quantity must stay within the limit`, examples: [2] })
}, { additionalProperties: false, $id: 'OrderLineInput', title: 'OrderLineInput', description: 'One line of a new order: a product and how many' })

export const CreateOrderBody = Type.Object({
  customer_id: Type.Optional(UuidOf('The customer the order is for. Required for staff and admin callers; a customer may omit it (its own profile is used)', CUSTOMER_EXAMPLE)),
  items: Type.Array(OrderLineInput, { maxItems: MAX_ORDER_LINES, minItems: 1, description: `1..${MAX_ORDER_LINES} lines; prices and totals are computed by the server` })
}, {
  additionalProperties: false,
  $id: 'CreateOrderRequest',
  title: 'CreateOrderRequest',
  description: 'A new order: its lines and, for staff and admin, the customer it is for',
  examples: [{ items: [{ product_id: '0b8f5a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b', quantity: 2 }] }]
})

export const CreateOrderHeaders = IdempotencyHeaders

export const TransitionBody = Type.Object({
  status: statusSchema('The status to move the order to')
}, { additionalProperties: false, $id: 'TransitionOrderRequest', title: 'TransitionOrderRequest', description: 'The status to move the order to', examples: [{ status: 'paid' }] })

export const ListOrdersQuery = Type.Object({
  ...PaginationQuery,
  status: Type.Optional(statusSchema('Only orders in this status')),
  customer_id: Type.Optional(UuidOf('Only orders of this customer (a customer caller only ever sees its own orders)', CUSTOMER_EXAMPLE)),
  created_after: Type.Optional(timestampSchema('Only orders created strictly after this instant (RFC 3339)')),
  created_before: Type.Optional(timestampSchema('Only orders created strictly before this instant (RFC 3339)'))
}, { additionalProperties: false })

/** The list's filters, without paging: an export is every matching order. */
export const ExportOrdersQuery = Type.Omit(ListOrdersQuery, ['limit', 'cursor'], { additionalProperties: false })

export const OrderItem = Type.Object({
  product_id: Uuid,
  sku: Type.String({ maxLength: MAX_SKU_LENGTH, description: 'The product SKU when the order was placed', examples: ['TSHIRT-BLUE-M'] }),
  name: Type.String({ maxLength: MAX_PRODUCT_NAME_LENGTH, description: 'The product name when the order was placed', examples: ['Blue T-shirt (M)'] }),
  quantity: Type.Integer({ format: 'int32', minimum: 1, maximum: MAX_LINE_QUANTITY, examples: [2] }),
  unit_price_cents: Type.Integer({ format: 'int64', minimum: 0, maximum: MAX_PRICE_CENTS, description: 'Unit price when the order was placed, minor units', examples: [1999] }),
  subtotal_cents: Type.Integer({ format: 'int64', minimum: 0, maximum: MAX_SUBTOTAL_CENTS, description: 'unit_price_cents x quantity', examples: [3998] })
}, { $id: 'OrderItem', title: 'OrderItem', description: 'One line of an order, with the product\'s name, sku and price as they were when the order was placed' })

export const Order = Type.Object({
  id: Uuid,
  customer_id: Uuid,
  status: OrderStatus,
  currency: Currency,
  total_cents: Type.Integer({ format: 'int64', minimum: 0, maximum: MAX_TOTAL_CENTS, description: 'Sum of the item subtotals, minor units', examples: [3998] }),
  items: Type.Array(OrderItem, { maxItems: MAX_ORDER_LINES, description: 'Order lines, one per product, sorted by product_id' }),
  allowed_transitions: Type.Array(statusSchema('A status the caller may move the order to'), { maxItems: STATUS_COUNT, description: 'Statuses the CALLER may move this order to now (a customer: only `cancelled`, and only while pending)', examples: [['paid', 'cancelled']] }),
  created_at: Timestamp,
  updated_at: Timestamp
}, { $id: 'Order', title: 'Order', description: 'An order with its lines, totals, status and the status moves the caller may make' })

export const OrderPage = Page(Order, 'OrderPage', 'One page of orders')

export type OrderStatusValue = Static<typeof OrderStatus>
export type CreateOrderInput = Static<typeof CreateOrderBody>
export type ListOrdersFilter = Static<typeof ListOrdersQuery>
export type ExportOrdersFilter = Static<typeof ExportOrdersQuery>
export type OrderBody = Static<typeof Order>
export type OrderItemBody = Static<typeof OrderItem>
