import { AppError } from '../../lib/app-error.js'
import { MAX_LINE_QUANTITY } from '../../schemas/orders.js'
import { HTTP_PROBLEMS } from '../../lib/problems/http.js'

export interface MergedLine {
  productId: string
  quantity: number
  /** Positions of the request lines merged into this one (for error pointers). */
  indexes: number[]
}

/**
 * Merges lines for the same product (ids compared case-insensitively) and sorts
 * them by product id, the order rows are locked and items listed in. A merged
 * quantity above the per-line limit is a 400, pointing at the line that crossed it.
 */
export function mergeLines (items: ReadonlyArray<{ product_id: string, quantity: number }>): MergedLine[] {
  const byProduct = new Map<string, MergedLine>()
  items.forEach((item, index) => {
    const productId = item.product_id.toLowerCase()
    const line = byProduct.get(productId)
    if (line === undefined) {
      byProduct.set(productId, { productId, quantity: item.quantity, indexes: [index] })
      return
    }
    line.quantity += item.quantity
    line.indexes.push(index)
    if (line.quantity > MAX_LINE_QUANTITY) {
      throw new AppError(HTTP_PROBLEMS.VALIDATION_FAILED, `body/items/${index}/quantity brings the merged quantity of product ${productId} to ${line.quantity}, above ${MAX_LINE_QUANTITY}`, {
        errors: [{ pointer: `/items/${index}/quantity`, in: 'body', detail: `merged quantity for this product must be <= ${MAX_LINE_QUANTITY}` }]
      })
    }
  })
  return [...byProduct.values()].sort((a, b) => (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0))
}
