import type { Migration } from 'kysely'
import * as initial from './0001_initial.js'
import * as searchAndRowVersions from './0002_search_and_row_versions.js'
import * as webhooks from './0003_webhooks.js'
import * as auditEvents from './0004_audit_events.js'
import * as eventsFeed from './0005_events_feed.js'
import * as apiKeys from './0006_api_keys.js'
import * as outboxTraceContext from './0007_outbox_trace_context.js'
import * as apiKeyVersions from './0008_api_key_versions_and_rolls.js'
import * as auditFeedOrder from './0009_audit_feed_order.js'
import * as webhookDuePerEndpoint from './0010_webhook_due_per_endpoint.js'

/**
 * Every migration, in order. A static list (not a folder scan) so the compiled
 * build and the TypeScript sources see exactly the same set.
 */
export const migrations: Record<string, Migration> = {
  '0001_initial': initial,
  '0002_search_and_row_versions': searchAndRowVersions,
  '0003_webhooks': webhooks,
  '0004_audit_events': auditEvents,
  '0005_events_feed': eventsFeed,
  '0006_api_keys': apiKeys,
  '0007_outbox_trace_context': outboxTraceContext,
  '0008_api_key_versions_and_rolls': apiKeyVersions,
  '0009_audit_feed_order': auditFeedOrder,
  '0010_webhook_due_per_endpoint': webhookDuePerEndpoint
}
