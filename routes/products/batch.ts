import { Compile } from 'typebox/compile'
import { Value } from 'typebox/value'
import type { Db } from '../../db/database.js'
import { withTransactionRetry, type RetryOptions } from '../../db/transaction-retry.js'
import { AppError } from '../../lib/app-error.js'
import { claimKey, rememberResponse, requestHash, type IdempotencyContext } from '../../lib/idempotency/claims.js'
import { IDEMPOTENCY_PROBLEMS } from '../../lib/idempotency/problems.js'
import { HTTP_PROBLEMS } from '../../lib/problems/http.js'
import { PRODUCT_PROBLEMS } from './problems.js'
import type { ProblemInput } from '../../lib/problem.js'
import { toFieldErrors } from '../../lib/validation-errors.js'
import type { ProblemBody } from '../../schemas/problem.js'
import {
  BatchUpsertResponse, WriteProductRequest, type BatchItemResultBody, type BatchUpsertInput, type BatchUpsertResponseBody, type ProductBody
} from '../../schemas/products.js'
import { recordProductsEmptied } from './events.js'
import { presentProduct } from './presenter.js'
import { recordAudits, type AuditContext, type AuditedChange } from '../audit/record.js'
import { lockProductsBySku, upsertProductsBySku, type ProductFields } from './repository.js'

const itemSchema = Compile(WriteProductRequest)

export interface BatchContext {
  db: Db
  currency: string
  /** Who writes the batch: each product created or replaced gets its audit row (SPEC §8). */
  audit: AuditContext
  retry?: RetryOptions
  /** The problem body of an item's refusal (the route knows the request's url and id). */
  problemOf: (input: ProblemInput) => ProblemBody
}

export interface BatchOutcome {
  replayed: boolean
  body: BatchUpsertResponseBody
  created: number
}

type Checked = { index: number, fields: ProductFields } | { index: number, problem: ProblemInput }

const invalid = (index: number, errors: ProblemInput['errors']): ProblemInput => ({
  problem: HTTP_PROBLEMS.VALIDATION_FAILED,
  detail: `items/${index} is not a valid product`,
  errors
})

/** Each item against WriteProductRequest on its own; a NUL character, or a sku already used by an earlier item, is refused too. */
function checkItems (items: readonly unknown[]): Checked[] {
  const firstIndexOfSku = new Map<string, number>()
  return items.map((item, index): Checked => {
    if (!itemSchema.Check(item)) {
      // toFieldErrors reads TypeBox's `boolean` errors (an unknown property failing additionalProperties: false); the
      // checker stops after a few errors, so with many unknown properties those are the only ones it reports.
      const errors = toFieldErrors(itemSchema.Errors(item), 'body')
      return { index, problem: invalid(index, errors.map((error) => ({ ...error, pointer: `/items/${index}${error.pointer}` }))) }
    }
    // Postgres text cannot hold NUL: refused here with its item, not by the statement for the whole batch.
    const nul = (['name', 'description'] as const).find((field) => item[field]?.includes('\u0000') === true)
    if (nul !== undefined) {
      return { index, problem: { problem: HTTP_PROBLEMS.INVALID_INPUT, detail: `items/${index}/${nul} contains a NUL character`, errors: [{ pointer: `/items/${index}/${nul}`, in: 'body', detail: 'contains a NUL character' }] } }
    }
    const earlier = firstIndexOfSku.get(item.sku)
    if (earlier !== undefined) {
      return { index, problem: invalid(index, [{ pointer: `/items/${index}/sku`, in: 'body', detail: `repeats the sku of items/${earlier}` }]) }
    }
    firstIndexOfSku.set(item.sku, index)
    return { index, fields: { ...item, description: item.description ?? '' } }
  })
}

/** Pointers name the field in the batch request, as the validation errors' do. */
const skuTaken = (index: number): ProblemInput => ({
  problem: PRODUCT_PROBLEMS.SKU_TAKEN,
  detail: 'An archived product has this sku (archived products keep theirs)',
  errors: [{ pointer: `/items/${index}/sku`, in: 'body', detail: 'belongs to an archived product' }]
})

const NOT_APPLIED: ProblemInput = { problem: PRODUCT_PROBLEMS.BATCH_ABORTED, detail: 'Not written: another item of this all_or_nothing batch was refused' }

function rejected (results: BatchItemResultBody[]): AppError {
  const refused = results.filter((result) => result.status !== 424).length
  return new AppError(PRODUCT_PROBLEMS.BATCH_REJECTED, `${refused} of ${results.length} items were refused; nothing was written (all_or_nothing)`, { extensions: { results } })
}

/**
 * POST /api/products/batch. The good items are written in one transaction with three
 * statements whatever their number: the existing rows locked (sku order, so concurrent
 * batches cannot deadlock), one INSERT ... ON CONFLICT (sku) DO UPDATE, the audit rows of
 * the products it created or changed, and the product.out_of_stock events of the products whose
 * stock it took from above 0 to 0 (as PUT does).
 */
export async function upsertBatch (ctx: BatchContext, userId: string, input: BatchUpsertInput, idempotencyKey: string | undefined): Promise<BatchOutcome> {
  const checked = checkItems(input.items)
  const allOrNothing = input.mode === 'all_or_nothing'
  const refusedEarly = checked.some((item) => 'problem' in item)
  const resultOf = (index: number, problem: ProblemInput): BatchItemResultBody => ({ index, status: problem.problem.status, problem: ctx.problemOf(problem) })

  if (allOrNothing && refusedEarly) {
    throw rejected(checked.map((item) => resultOf(item.index, 'problem' in item ? item.problem : NOT_APPLIED)))
  }

  const write = async (trx: Db): Promise<BatchOutcome> => {
    const good = checked.flatMap((item) => 'fields' in item ? [item.fields] : []).sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0))
    const before = await lockProductsBySku(trx, good.map((item) => item.sku))
    const rows = new Map((await upsertProductsBySku(trx, good)).map((row) => [row.sku, row]))

    let created = 0
    const emptied: ProductBody[] = []
    const audited: AuditedChange[] = []
    const results = checked.map((item): BatchItemResultBody => {
      if ('problem' in item) return resultOf(item.index, item.problem)
      const written = rows.get(item.fields.sku)
      if (written === undefined) return resultOf(item.index, skuTaken(item.index))
      const { inserted, ...row } = written
      const product = presentProduct(row, ctx.currency)
      const previous = before.get(row.sku) ?? null
      const resource = { type: 'product', id: row.id } as const
      if (inserted) {
        created++
        audited.push({ action: 'product.created', resource, before: null, after: row })
      } else {
        audited.push({ action: 'product.updated', resource, before: previous, after: row })
        if ((previous?.stock ?? 0) > 0 && row.stock === 0) emptied.push(product)
      }
      return { index: item.index, status: inserted ? 201 : 200, product }
    })
    if (allOrNothing && results.some((result) => result.status >= 400)) {
      throw rejected(results.map((result) => result.status >= 400 ? result : resultOf(result.index, NOT_APPLIED)))
    }
    await recordAudits(trx, ctx.audit, audited)
    await recordProductsEmptied(trx, emptied)
    return { replayed: false, body: { results }, created }
  }

  if (idempotencyKey === undefined) return await withTransactionRetry(() => ctx.db.transaction().execute(write), ctx.retry)
  const idempotency: IdempotencyContext = { userId, key: idempotencyKey, requestHash: requestHash({ operation: 'products.batch', input }) }
  return await withTransactionRetry(() => ctx.db.transaction().execute(async (trx) => {
    const replay = await claimKey(trx, idempotency)
    if (replay !== null) return { replayed: true, body: storedResponse(replay.status, replay.body), created: 0 }
    const outcome = await write(trx)
    await rememberResponse(trx, idempotency, { status: 200, body: outcome.body })
    return outcome
  }), ctx.retry)
}

/** A response stored under an Idempotency-Key is one this service wrote; check it is still a batch response. */
function storedResponse (status: number, body: unknown): BatchUpsertResponseBody {
  if (status !== 200 || !Value.Check(BatchUpsertResponse, body)) {
    throw new AppError(IDEMPOTENCY_PROBLEMS.IDEMPOTENCY_KEY_REUSED, 'This Idempotency-Key was already used for another request', {
      errors: [{ pointer: '/idempotency-key', in: 'header', detail: 'was used for another request' }]
    })
  }
  return body
}
