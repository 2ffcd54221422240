import { isDeepStrictEqual } from 'node:util'
import { sql, type RawBuilder } from 'kysely'
import type { AuditActorType, Db } from '../../db/database.js'
import type { RowSource } from '../../db/row-source.js'
import type { AuditResourceTypeValue } from '../../schemas/audit.js'

/**
 * Writing the audit log (SPEC §8). Every function here runs inside the caller's transaction (or
 * statement), so an audit row commits or rolls back with the change it describes. The domains
 * hand over their rows before and after the change; what changed, and what must never be stored,
 * is decided here once.
 */

/** Who made the change: the request's authenticated principal (routes/audit/context.ts). */
export interface AuditActor {
  type: AuditActorType
  id: string
}

export interface AuditContext {
  actor: AuditActor
  requestId: string
}

export type AuditResourceType = AuditResourceTypeValue

export type AuditAction =
  | 'product.created' | 'product.updated' | 'product.deleted' | 'product.archived'
  | 'customer.created' | 'customer.updated' | 'customer.deleted'
  | 'order.created' | 'order.status_changed'
  | 'user.role_changed'
  | 'webhook_endpoint.created' | 'webhook_endpoint.updated' | 'webhook_endpoint.deleted' | 'webhook_endpoint.secret_rotated'
  | 'api_key.created' | 'api_key.rolled' | 'api_key.revoked'

export type AuditChanges = Record<string, [unknown, unknown]>

export interface AuditedChange {
  action: AuditAction
  resource: { type: AuditResourceType, id: string }
  /** The row before the change (null for a creation) and after it (null for a deletion). */
  before: object | null
  after: object | null
  /** Fields that changed but whose values are never stored (e.g. a rotated signing secret). */
  secretsChanged?: readonly string[]
}

/** What a secret field shows instead of its value. */
export const REDACTED = '[redacted]'

/** Bookkeeping every row has: not a change anyone made. */
const IGNORED = new Set(['id', 'version', 'created_at', 'updated_at'])
/** Redacted wherever a row carries them, whatever the domain passed in. */
const SECRET_FIELDS = new Set(['secret', 'password', 'password_hash', 'token', 'token_hash', 'key', 'key_hash', 'refresh_token', 'access_token'])

const fieldsOf = (row: object | null): Map<string, unknown> => new Map(row === null ? [] : Object.entries(row))
const jsonValue = (value: unknown): unknown => value instanceof Date ? value.toISOString() : value ?? null
const redacted = (present: boolean): string | null => present ? REDACTED : null

/** {field: [before, after]} for each field whose value differs, secrets redacted. */
export function changesBetween (before: object | null, after: object | null, secretsChanged: readonly string[] = []): AuditChanges {
  const old = fieldsOf(before)
  const now = fieldsOf(after)
  const changes: AuditChanges = {}
  for (const field of new Set([...old.keys(), ...now.keys()])) {
    if (IGNORED.has(field)) continue
    const from = jsonValue(old.get(field))
    const to = jsonValue(now.get(field))
    if (isDeepStrictEqual(from, to)) continue
    changes[field] = SECRET_FIELDS.has(field) ? [redacted(from !== null), redacted(to !== null)] : [from, to]
  }
  for (const field of secretsChanged) changes[field] = [redacted(before !== null), redacted(after !== null)]
  return changes
}

/** Writes the change's audit row in `trx` (see recordAudits). */
export async function recordAudit (trx: Db, ctx: AuditContext, change: AuditedChange): Promise<void> {
  await recordAudits(trx, ctx, [change])
}

/**
 * Writes the changes' audit rows in `trx`, in one statement however many (a product batch has up
 * to 1000). An update that changed nothing (a PATCH with the values the row already had, a batch
 * item equal to its product) is not a change, so it writes no row.
 */
export async function recordAudits (trx: Db, ctx: AuditContext, changes: readonly AuditedChange[]): Promise<void> {
  const rows = changes.flatMap((change) => {
    const changed = changesBetween(change.before, change.after, change.secretsChanged)
    if (change.before !== null && change.after !== null && Object.keys(changed).length === 0) return []
    return [{
      actor_type: ctx.actor.type,
      actor_id: ctx.actor.id,
      action: change.action,
      resource_type: change.resource.type,
      resource_id: change.resource.id,
      changes: JSON.stringify(changed),
      request_id: ctx.requestId
    }]
  })
  if (rows.length > 0) await trx.insertInto('audit_events').values(rows).execute()
}

/**
 * The audit rows of a creation as a CTE (`audit_written`) of a larger statement, for changes
 * made in one statement (routes/orders/place-order.ts): one row per row of `created` (a CTE),
 * with {column: [null, value]} for each of `columns`. Data-modifying CTEs run whether or not
 * the main query reads them.
 */
export function createdAuditCte<Row extends { id: string }> (
  ctx: AuditContext, action: AuditAction, resourceType: AuditResourceType, created: RowSource<Row>, columns: ReadonlyArray<keyof Row & string>
): RawBuilder<unknown> {
  const changes = columns.map((column) => sql`${column}::text, jsonb_build_array(null, ${created.column(column)})`)
  return sql`audit_written AS (
      INSERT INTO audit_events (actor_type, actor_id, action, resource_type, resource_id, changes, request_id)
      SELECT ${ctx.actor.type}::text, ${ctx.actor.id}::uuid, ${action}::text, ${resourceType}::text, ${created.column('id')},
        jsonb_build_object(${sql.join(changes)}), ${ctx.requestId}::text
      FROM ${created.table}
    )`
}
