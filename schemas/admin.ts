import { Type, type Static } from 'typebox'

export const LogLevelName = Type.Union(
  ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
  { title: 'LogLevelName', description: 'pino log level, from the most to the least verbose: trace, debug, info, warn, error, fatal; silent logs nothing', examples: ['debug'] }
)

export const LogLevelUpdate = Type.Object({
  level: LogLevelName
}, {
  additionalProperties: false,
  $id: 'UpdateLogLevelRequest',
  title: 'UpdateLogLevelRequest',
  description: 'The log level this replica switches to',
  examples: [{ level: 'debug' }]
})

export const LogLevel = Type.Object({
  level: LogLevelName
}, { $id: 'LogLevel', title: 'LogLevel', description: 'The log level now in effect on the replica that answered' })

export type LogLevelUpdateBody = Static<typeof LogLevelUpdate>
