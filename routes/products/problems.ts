import { Type } from 'typebox'
import { defineProblems } from '../../lib/problems/define.js'
import { BatchItemResult, MAX_BATCH_ITEMS } from '../../schemas/products.js'

export const PRODUCT_PROBLEMS = defineProblems({
  PRODUCT_NOT_FOUND: { status: 404, title: 'Product not found', description: 'No product with this id (or it was deleted).' },
  SKU_TAKEN: { status: 409, title: 'SKU taken', description: 'Another product already has this sku.' },
  BATCH_REJECTED: {
    status: 409,
    title: 'Batch rejected',
    description: 'An all_or_nothing batch had a refused item, so nothing was written; `results` holds every item\'s outcome in input order.',
    extensions: { results: Type.Array(BatchItemResult, { minItems: 1, maxItems: MAX_BATCH_ITEMS, description: 'Every item\'s outcome in input order: its problem, or 424 BATCH_ABORTED for a valid item that was not written' }) }
  },
  BATCH_ABORTED: { status: 424, title: 'Batch aborted', description: 'This item of an all_or_nothing batch was valid but not written, because another item was refused (only inside a batch\'s results).' }
})
