import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { preValidationHookHandler } from 'fastify'
import { isRecord } from '../../lib/is-record.js'
import { documented, problemResponses, ResponseHeaders } from '../../schemas/common.js'
import { EventPage, ListEventsQuery } from '../../schemas/events.js'
import { EVENT_SCHEMAS } from '../../schemas/webhooks.js'
import { readEventPage, type EventsContext } from './service.js'
import { validatorCompiler } from '../../lib/validator-compiler.js'
import { STAFF_ONLY } from '../../plugins/app/auth.js'
import { EVENT_PROBLEMS } from './problems.js'
import { HTTP_PROBLEMS } from '../../lib/problems/http.js'
import { setNextLink } from '../../lib/http/pagination.js'

/**
 * `types=a,b` (the parameter's `style: form, explode: false`) as the list its schema checks; a
 * repeated parameter (Fastify's array) is read the same way, each part trimmed, each type once.
 */
const splitTypes: preValidationHookHandler = (request, _reply, done) => {
  const query: unknown = request.query
  if (isRecord(query) && query.types !== undefined) query.types = [...new Set([query.types].flat().flatMap((part) => String(part).split(',')).map((type) => type.trim()))]
  done()
}

/** A long poll looks again this often: one indexed read of the outbox each time. */
const POLL_INTERVAL_MS = 250

/**
 * /api/events: the pull side of the webhooks (SPEC §7), for staff and admins (the
 * `events:read` scope once API keys exist). Long polls end when the client goes away or the
 * app starts closing, so a shutdown never waits out a 30 s wait.
 */
const eventsRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  for (const schema of EVENT_SCHEMAS) fastify.addSchema(schema)
  fastify.addSchema(EventPage)
  // addSchema in a child context makes Fastify build its default Ajv here: keep the strict TypeBox validator.
  fastify.setValidatorCompiler(validatorCompiler)
  const events: EventsContext = { db: fastify.db, retentionDays: fastify.config.events.retentionDays, pollIntervalMs: POLL_INTERVAL_MS }
  const closing = new AbortController()
  fastify.addHook('preClose', async () => { closing.abort() })

  fastify.get('/', {
    config: { access: STAFF_ONLY, scopes: ['events:read'] },
    preValidation: splitTypes,
    schema: {
      tags: ['events'],
      operationId: 'listEvents',
      summary: 'Read the events feed (staff, admin)',
      description: 'The outbox behind the webhooks, with the same envelope and ids, in a stable order. Pass next_cursor back as ?after=: ' +
        'a cursor never skips an event, also when transactions commit out of order (an event is listed once every transaction of this ' +
        'database that started before it has ended). Filter with ?types=; ?wait=1..30 long-polls while the page would be empty. ' +
        'Events are kept EVENT_RETENTION_DAYS (default 30); a cursor whose holder may have missed purged events is 410 CURSOR_EXPIRED: ' +
        'a page that ends the feed (has_more false) dates its cursor at that read, so a client that polls within the retention never gets it.',
      querystring: ListEventsQuery,
      response: { 200: documented(EventPage, { description: 'One page of events', headers: { link: ResponseHeaders.link('events', 'after') } }), ...problemResponses(HTTP_PROBLEMS.INVALID_CURSOR, EVENT_PROBLEMS.CURSOR_EXPIRED) },
      security: [{ bearerAuth: [] }]
    }
  }, async (request, reply) => {
    const gone = new AbortController()
    reply.raw.once('close', () => { gone.abort() })
    const page = await readEventPage(events, request.query, AbortSignal.any([gone.signal, closing.signal]))
    // rel="next" only while more is readable now; a caught-up client polls next_cursor (SPEC §1's lists).
    setNextLink(request, reply, page.has_more ? page.next_cursor : null, 'after')
    // Each event as stored and as its webhooks sent it, byte for byte: the schema's serializer would
    // pick each event's variant by validating it (fast-json-stringify's anyOf), refuse with a 500 an
    // event written by an earlier version whose shape has since grown, and drop what it does not name.
    reply.serializer(JSON.stringify)
    return page
  })
}

export default eventsRoutes
