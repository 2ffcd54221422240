import { Type, type Static } from 'typebox'
import { MAX_TEXT_LENGTH, MAX_TITLE_LENGTH, MAX_URL_LENGTH } from './bounds.js'

/** Far more than the service has (a few dozen routes). */
const MAX_HELP_ROUTES = 500

export const Liveness = Type.Object({ status: Type.Literal('ok') }, { $id: 'Liveness', title: 'Liveness', description: 'The process is up and serving' })

export const DependencyStatus = Type.Union([Type.Literal('up'), Type.Literal('down'), Type.Literal('degraded'), Type.Literal('embedded')], {
  title: 'DependencyStatus',
  description: 'up: reachable (Postgres, also the embedded PGlite); down: unreachable (the replica is then not ready); degraded: still ready, Postgres answering but every pooled connection busy past the check\'s 1.5 s, or Redis connected but slow or skipped by its circuit breaker (the service runs on per-replica limits); embedded: the in-process store standing in for Redis',
  examples: ['up']
})

export const ReadinessStatus = Type.Union([Type.Literal('ready'), Type.Literal('not_ready')], {
  title: 'ReadinessStatus',
  description: 'ready: serve traffic; not_ready: Postgres is unreachable, a configured Redis has no connection, or the replica is shutting down',
  examples: ['ready']
})

export const DependencyCheck = Type.Object({
  status: DependencyStatus,
  latency_ms: Type.Number({ minimum: 0, description: 'How long the check took', examples: [0.8] })
}, { $id: 'DependencyCheck', title: 'DependencyCheck', description: 'One dependency\'s state and the latency of the check' })

export const Readiness = Type.Object({
  status: ReadinessStatus,
  shutting_down: Type.Optional(Type.Boolean({ description: 'true while the replica drains after SIGTERM', examples: [false] })),
  // A named schema may occur once per route schema (its $id), so the second use is a reference to it.
  checks: Type.Object({ postgres: DependencyCheck, redis: Type.Unsafe<Static<typeof DependencyCheck>>(Type.Ref('DependencyCheck')) })
}, { $id: 'Readiness', title: 'Readiness', description: 'Whether this replica should get traffic, with each dependency\'s check' })

const HelpRoute = Type.Object({
  method: Type.String({ maxLength: 16 }),
  url: Type.String({ maxLength: MAX_URL_LENGTH }),
  summary: Type.Optional(Type.String({ maxLength: MAX_TITLE_LENGTH }))
})

export const Help = Type.Object({
  name: Type.String({ maxLength: MAX_TITLE_LENGTH }),
  description: Type.String({ maxLength: MAX_TEXT_LENGTH }),
  version: Type.String({ maxLength: MAX_TITLE_LENGTH }),
  docs: Type.Object({ swagger_ui: Type.String({ maxLength: MAX_URL_LENGTH }), openapi_json: Type.String({ maxLength: MAX_URL_LENGTH }), openapi_yaml: Type.String({ maxLength: MAX_URL_LENGTH }) }),
  routes: Type.Array(HelpRoute, { maxItems: MAX_HELP_ROUTES })
}, {
  $id: 'Help',
  title: 'Help',
  description: 'What this service is, where its documentation is, and every route it serves',
  examples: [{
    name: 'goshop-api',
    description: 'E-commerce backend',
    version: '0.1.0',
    docs: { swagger_ui: '/swagger', openapi_json: '/swagger/json', openapi_yaml: '/swagger/yaml' },
    routes: [{ method: 'GET', url: '/api/products', summary: 'List products' }]
  }]
})
