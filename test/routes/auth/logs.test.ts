import { PassThrough } from 'node:stream'
import { suite } from '../../helpers/suite.js'
import { buildTestApp } from '../../helpers/app.js'
import { bearer, login, logout, me, refresh, register } from '../../helpers/auth-flow.js'

interface LogLine { level?: number, msg?: string, event?: string, email?: string, outcome?: string, ip?: string, reqId?: string, [key: string]: unknown }

export default suite(import.meta, (t) => {
  t.test('logs carry the masked login audit line and never a password, token or full email', async (t) => {
    const stream = new PassThrough()
    const chunks: string[] = []
    stream.on('data', (chunk: Buffer) => { chunks.push(chunk.toString('utf8')) })
    const app = await buildTestApp(t, { env: { LOG_LEVEL: 'info' }, logStream: stream })

    const email = 'Secret.Person@Example.com'
    const password = 'S3cret-Passw0rd-never-logged'
    const wrongPassword = 'Wr0ng-Passw0rd-never-logged'
    t.equal((await register(app, { email, password, first_name: 'Secret' })).statusCode, 201)
    t.equal((await register(app, { email, password: 'short' })).statusCode, 400)
    t.equal((await register(app, { email, password })).statusCode, 409)
    t.equal((await login(app, email, wrongPassword)).statusCode, 401)
    const ok = await login(app, email, password)
    t.equal(ok.statusCode, 200)
    const session = ok.json()
    t.equal((await me(app, session.access_token)).statusCode, 200)
    const rotated = await refresh(app, session.refresh_token)
    t.equal(rotated.statusCode, 200)
    t.equal((await refresh(app, session.refresh_token)).statusCode, 401)
    t.equal((await app.inject({ method: 'GET', url: '/auth/me', headers: bearer('garbage.token.value') })).statusCode, 401)
    t.equal((await logout(app, rotated.json().refresh_token)).statusCode, 204)

    await new Promise((resolve) => setImmediate(resolve))
    const text = chunks.join('')
    const lines: LogLine[] = text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l))
    t.ok(lines.length > 10, 'logs were captured')

    for (const secret of [password, wrongPassword, session.access_token, session.refresh_token, rotated.json().access_token, rotated.json().refresh_token, 'garbage.token.value']) {
      t.notOk(text.includes(secret), `log does not contain ${secret.slice(0, 12)}...`)
    }
    t.notOk(text.toLowerCase().includes('secret.person@'), 'the full email never appears')
    t.notOk(/bearer /i.test(text), 'no Authorization header value')

    const audit = lines.filter((l) => l.event === 'login')
    t.same(audit.map((l) => [l.msg, l.email, l.outcome, l.ip]), [
      ['login attempt', 'se***@example.com', 'failure', '127.0.0.1'],
      ['login attempt', 'se***@example.com', 'success', '127.0.0.1']
    ])
    t.ok(audit.every((l) => typeof l.reqId === 'string' && l.reqId !== ''), 'audit lines carry the request id')
    t.equal(lines.filter((l) => l.event === 'refresh_token_reuse' && l.level === 40).length, 1, 'a reuse is logged as a warning')
  })
})
