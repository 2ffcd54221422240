import { Type, type Static } from 'typebox'

export const Liveness = Type.Object({ status: Type.Literal('ok') }, { $id: 'Liveness', title: 'Liveness' })

export const DependencyCheck = Type.Object({
  status: Type.Union([Type.Literal('up'), Type.Literal('down'), Type.Literal('embedded')]),
  latency_ms: Type.Number({ minimum: 0, examples: [0.8] })
}, { $id: 'DependencyCheck', title: 'DependencyCheck' })

export const Readiness = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not_ready')]),
  shutting_down: Type.Optional(Type.Boolean()),
  // A named schema may occur once per route schema (its $id), so the second use is a reference to it.
  checks: Type.Object({ postgres: DependencyCheck, redis: Type.Unsafe<Static<typeof DependencyCheck>>(Type.Ref('DependencyCheck')) })
}, { $id: 'Readiness', title: 'Readiness' })

export const Help = Type.Object({
  name: Type.String(),
  description: Type.String(),
  version: Type.String(),
  docs: Type.Object({ swagger_ui: Type.String(), openapi_json: Type.String(), openapi_yaml: Type.String() }),
  routes: Type.Array(Type.Object({ method: Type.String(), url: Type.String(), summary: Type.Optional(Type.String()) }))
}, { $id: 'Help', title: 'Help' })
