import type { FastifyInstance } from 'fastify'
import type { InjectOptions } from 'light-my-request'
import type { Test } from 'tap'
import { suite } from '../../helpers/suite.js'
import { buildTestApp } from '../../helpers/app.js'
import { captureLogs, type CapturedLogs } from '../../helpers/log-capture.js'
import { PASSWORD, register } from '../../helpers/auth-flow.js'

const EMAIL = 'Jo.Audit@Example.com'
const MASKED = 'jo***@example.com'
const SECRET = 'Audit-Passw0rd-never-logged'

/** POST /login with its own request id, so its log lines can be told apart. */
async function attempt (app: FastifyInstance, id: string, options: Omit<InjectOptions, 'method' | 'url'>): Promise<{ status: number, code: unknown }> {
  const headers = { ...options.headers, 'x-request-id': id }
  const res = await app.inject({ ...options, method: 'POST', url: '/login', headers })
  return { status: res.statusCode, code: res.statusCode === 200 ? 'OK' : res.json().code }
}

function auditLines (logs: CapturedLogs, id: string): Array<Record<string, unknown>> {
  return logs.lines().filter((line) => line.reqId === id && line.event === 'login')
}

/** Nothing secret in the whole log: no password, no unmasked email. */
function assertNothingSecret (t: Test, logs: CapturedLogs): void {
  const text = logs.lines().map((line) => JSON.stringify(line)).join('\n').toLowerCase()
  t.notOk(text.includes(SECRET.toLowerCase()), 'no password in the log')
  t.notOk(text.includes('jo.audit@'), 'no unmasked email in the log')
  t.notOk(text.includes('"password"'), 'no password field in the log')
}

export default suite(import.meta, (t) => {
  t.test('attempts refused before the credential check get exactly one audit line each, with the problem code', async (t) => {
    const logs = captureLogs()
    const app = await buildTestApp(t, { env: { LOG_LEVEL: 'info' }, logStream: logs.stream })
    const json = { 'content-type': 'application/json' }

    const cases: Array<{ id: string, options: Omit<InjectOptions, 'method' | 'url'>, status: number, code: string, email: string | undefined }> = [
      { id: 'audit-extra-field', options: { payload: { email: EMAIL, password: SECRET, remember: true } }, status: 400, code: 'VALIDATION_FAILED', email: MASKED },
      { id: 'audit-invalid-email', options: { payload: { email: 'jo.audit-at-example.com', password: SECRET } }, status: 400, code: 'VALIDATION_FAILED', email: '***' },
      { id: 'audit-email-not-string', options: { payload: { email: 42, password: SECRET } }, status: 400, code: 'VALIDATION_FAILED', email: undefined },
      { id: 'audit-malformed-json', options: { payload: `{"email":"${EMAIL}","password":"${SECRET}"`, headers: json }, status: 400, code: 'MALFORMED_JSON', email: undefined },
      { id: 'audit-too-large', options: { payload: JSON.stringify({ email: EMAIL, password: SECRET.repeat(400) }), headers: json }, status: 413, code: 'PAYLOAD_TOO_LARGE', email: undefined },
      { id: 'audit-content-type', options: { payload: `email=${EMAIL}&password=${SECRET}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', email: undefined }
    ]
    for (const { id, options, status, code } of cases) {
      t.same(await attempt(app, id, options), { status, code }, `${id}: ${status} ${code}`)
    }
    await new Promise((resolve) => setImmediate(resolve))

    for (const { id, code, email } of cases) {
      const lines = auditLines(logs, id)
      t.equal(lines.length, 1, `${id}: one audit line`)
      t.match(lines[0], { msg: 'login attempt', level: 30, outcome: 'failure', reason: code, ip: '127.0.0.1' }, id)
      t.equal(lines[0]?.email, email, `${id}: the email ${email === undefined ? 'is absent' : 'is masked'}`)
    }
    assertNothingSecret(t, logs)
  })

  t.test('attempts the rate limiter refuses before the body is read are audited, without an email', async (t) => {
    const logs = captureLogs()
    const app = await buildTestApp(t, { env: { LOG_LEVEL: 'info', RATE_LIMIT_AUTH_MAX: '1' }, logStream: logs.stream })
    const payload = { email: EMAIL, password: SECRET }

    t.same(await attempt(app, 'audit-first', { payload }), { status: 401, code: 'INVALID_CREDENTIALS' })
    t.same(await attempt(app, 'audit-limited-1', { payload }), { status: 429, code: 'RATE_LIMITED' })
    t.same(await attempt(app, 'audit-limited-2', { payload: '{"email":', headers: { 'content-type': 'application/json' } }), { status: 429, code: 'RATE_LIMITED' }, 'refused before the bad body is parsed')
    await new Promise((resolve) => setImmediate(resolve))

    t.match(auditLines(logs, 'audit-first'), [{ outcome: 'failure', reason: 'INVALID_CREDENTIALS', email: MASKED }])
    for (const id of ['audit-limited-1', 'audit-limited-2']) {
      const lines = auditLines(logs, id)
      t.equal(lines.length, 1, `${id}: one audit line`)
      t.match(lines[0], { msg: 'login attempt', outcome: 'failure', reason: 'RATE_LIMITED', ip: '127.0.0.1' }, id)
      t.notOk(lines[0] !== undefined && 'email' in lines[0], `${id}: no email (the body was never read)`)
    }
    assertNothingSecret(t, logs)
  })

  t.test('attempts that reach the credential check still get exactly one line each', async (t) => {
    const logs = captureLogs()
    const app = await buildTestApp(t, { env: { LOG_LEVEL: 'info' }, logStream: logs.stream })
    t.equal((await register(app, { email: EMAIL, password: PASSWORD })).statusCode, 201)

    t.same(await attempt(app, 'audit-wrong', { payload: { email: EMAIL, password: SECRET } }), { status: 401, code: 'INVALID_CREDENTIALS' })
    t.same(await attempt(app, 'audit-ok', { payload: { email: ` ${EMAIL} `, password: PASSWORD } }), { status: 200, code: 'OK' })
    await new Promise((resolve) => setImmediate(resolve))

    t.match(auditLines(logs, 'audit-wrong'), [{ msg: 'login attempt', outcome: 'failure', reason: 'INVALID_CREDENTIALS', email: MASKED, ip: '127.0.0.1' }])
    const ok = auditLines(logs, 'audit-ok')
    t.match(ok, [{ msg: 'login attempt', outcome: 'success', email: MASKED, ip: '127.0.0.1' }])
    t.notOk(ok[0] !== undefined && 'reason' in ok[0], 'a success has no reason')
    t.equal(logs.lines().filter((line) => line.event === 'login').length, 2, 'no other audit lines')
    assertNothingSecret(t, logs)
  })
})
