import type { Db } from '../../db/database.js'
import type { ProductBody } from '../../schemas/products.js'
import { recordEvents } from '../webhooks/events.js'

/** product.out_of_stock for each product a write took from above 0 to 0 (`emptied`, as presentProduct shows it). */
export async function recordProductsEmptied (trx: Db, emptied: readonly ProductBody[]): Promise<void> {
  await recordEvents(trx, emptied.map((data) => ({ type: 'product.out_of_stock', data })))
}
