import { Type } from 'typebox'

export const Liveness = Type.Object({ status: Type.Literal('ok') }, { $id: 'Liveness', title: 'Liveness' })

export const DependencyCheck = Type.Object({
  status: Type.Union([Type.Literal('up'), Type.Literal('down'), Type.Literal('embedded')]),
  latency_ms: Type.Number({ minimum: 0, examples: [0.8] }),
  error: Type.Optional(Type.String())
}, { title: 'DependencyCheck' })

export const Readiness = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not_ready')]),
  shutting_down: Type.Optional(Type.Boolean()),
  checks: Type.Object({ postgres: DependencyCheck, redis: DependencyCheck })
}, { $id: 'Readiness', title: 'Readiness' })

export const Help = Type.Object({
  name: Type.String(),
  description: Type.String(),
  version: Type.String(),
  docs: Type.Object({ swagger_ui: Type.String(), openapi_json: Type.String(), openapi_yaml: Type.String() }),
  routes: Type.Array(Type.Object({ method: Type.String(), url: Type.String(), summary: Type.Optional(Type.String()) }))
}, { $id: 'Help', title: 'Help' })
