import { Type } from 'typebox'
import { defineProblems } from '../../lib/problems/define.js'
import { Uuid } from '../../schemas/common.js'
import { MAX_LINE_QUANTITY, MAX_ORDER_LINES, OrderStatus } from '../../schemas/orders.js'

const ShortItem = Type.Object({
  product_id: Uuid,
  requested: Type.Integer({ format: 'int32', minimum: 1, maximum: MAX_LINE_QUANTITY, description: 'The quantity asked for (lines of one product merged)', examples: [3] }),
  available: Type.Integer({ format: 'int32', minimum: 0, maximum: 2_147_483_647, description: 'The stock when the order was refused', examples: [1] })
}, { additionalProperties: false })

export const ORDER_PROBLEMS = defineProblems({
  ORDER_NOT_FOUND: { status: 404, title: 'Order not found', description: 'No order with this id that the caller may see.' },
  INSUFFICIENT_STOCK: {
    status: 409,
    title: 'Insufficient stock',
    description: 'Some items are not in stock in the quantity asked; `items` lists product_id, requested and available. Nothing was written.',
    extensions: { items: Type.Array(ShortItem, { minItems: 1, maxItems: MAX_ORDER_LINES, description: 'Every product that is short' }) }
  },
  INVALID_TRANSITION: {
    status: 409,
    title: 'Invalid transition',
    description: 'The order cannot move from its status to the one asked; `current_status` and `requested_status` say which move was refused, `allowed_transitions` on the order lists the moves.',
    extensions: {
      current_status: Object.assign({}, OrderStatus, { description: 'The order\'s status' }),
      requested_status: Object.assign({}, OrderStatus, { description: 'The status asked for' })
    }
  },
  UNKNOWN_CUSTOMER: { status: 422, title: 'Unknown customer', description: 'The order names a customer that does not exist (or the account has no customer profile).' },
  UNKNOWN_PRODUCT: { status: 422, title: 'Unknown product', description: 'The order names a product that does not exist or is archived.' }
})
