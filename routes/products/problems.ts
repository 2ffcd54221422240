import { defineProblems } from '../../lib/problems/define.js'

export const PRODUCT_PROBLEMS = defineProblems({
  PRODUCT_NOT_FOUND: { status: 404, title: 'Product not found', description: 'No product with this id (or it was deleted).' },
  SKU_TAKEN: { status: 409, title: 'SKU taken', description: 'Another product already has this sku.' }
})
